"""YAML front matter loaded with python-frontmatter, through a loader that cannot be abused.

``yaml.SafeLoader`` already refuses arbitrary Python objects, but it will still happily build an
"alias bomb" (a few lines whose expansion has billions of nodes: harmless while shared, fatal the
moment anything walks or serialises the metadata) and recurse until Python's stack runs out on a
deeply nested document. ``check_limits`` reads the YAML event stream first and refuses nesting
deeper than ``MAX_DEPTH``, more than ``MAX_ALIASES`` aliases, recursive anchors, and documents
whose *expanded* size exceeds ``MAX_NODES``, before any Python object is built.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler

from tracker.i18n import N_
from tracker.i18n.message import Message, Number
from tracker.parsing.errors import PostingError

MAX_DEPTH = 32
MAX_NODES = 10_000
MAX_ALIASES = 100

_OPENING = re.compile(r"-{3,}[ \t]*\r?\n")


class FrontMatterLimitError(yaml.YAMLError):
    """The document is valid YAML but too deep or too large once aliases are expanded."""


# libyaml's C parser when available: the limits are checked on its event stream, then the same
# fast loader builds the objects, so safety costs one extra event pass rather than a pure-Python load.
_FAST_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def check_limits(document: str) -> None:
    """Refuse, from the event stream alone, YAML that is too deep, alias-heavy or self-referencing.

    Each open collection counts the values it would hold once aliases are expanded; an alias adds
    the size recorded for its anchor. Nothing is expanded, so a billion-laughs document costs a few
    hundred events, and deep nesting stops at ``MAX_DEPTH`` before any recursive composition.
    """
    sizes: dict[str, int] = {}
    stack: list[list[Any]] = []  # [anchor or None, expanded size so far]
    aliases = 0
    for event in yaml.parse(document, Loader=_FAST_LOADER):
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            if len(stack) >= MAX_DEPTH:
                raise FrontMatterLimitError(
                    Message(
                        N_("nested deeper than {depth} levels (line {line})"), depth=MAX_DEPTH, line=_line(event)
                    )
                )
            stack.append([event.anchor, 1])
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            anchor, size = stack.pop()
            if anchor is not None:
                sizes[anchor] = size
            _add(stack, size)
        elif isinstance(event, yaml.ScalarEvent):
            if event.anchor is not None:
                sizes[event.anchor] = 1
            _add(stack, 1)
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                raise FrontMatterLimitError(Message(N_("using more than {limit} YAML aliases (*name)"), limit=MAX_ALIASES))
            if event.anchor not in sizes:
                if any(anchor == event.anchor for anchor, _ in stack):
                    raise FrontMatterLimitError(Message(N_("that is recursive (an anchor is used inside itself)")))
                continue  # an undefined alias: the loader reports it as a YAML error
            _add(stack, sizes[event.anchor])


def _line(event: yaml.Event) -> int:
    """The 1-based line an event starts on (0 when the parser gave no position)."""
    return event.start_mark.line + 1 if event.start_mark is not None else 0


def _add(stack: list[list[Any]], size: int) -> None:
    if stack:
        stack[-1][1] += size
        if stack[-1][1] > MAX_NODES:
            raise FrontMatterLimitError(
                Message(
                    N_("expanding to more than {limit} values once its aliases are followed (an alias bomb?)"),
                    limit=Number(MAX_NODES),
                )
            )


class SafeYAMLHandler(YAMLHandler):
    """python-frontmatter's YAML handler, loading safely and within limits."""

    def load(self, fm: str, **kwargs: object) -> Any:
        check_limits(fm)
        return yaml.load(fm, Loader=_FAST_LOADER)


@dataclass
class FrontMatter:
    present: bool
    metadata: dict[str, Any]
    body: str
    body_line: int  # 0-based line of the whole file where ``body`` starts


_HANDLER = SafeYAMLHandler()


def posting_body(text: str) -> str:
    """The Markdown body of a posting file, its front matter removed by the parser's own split.

    For every page that shows a posting's body (issue #24): a second splitter with rules of its own
    showed the YAML of a posting that opens with a blank line or uses ``----`` fences, both of which
    the parser accepts. No YAML is loaded; a file whose front matter is never closed (which the
    import refuses) is returned whole.
    """
    if not _OPENING.match(text.lstrip("\ufeff \t\r\n")):
        return text
    try:
        return _HANDLER.split(text)[1]
    except ValueError:
        return text


def split_front_matter(text: str, *, path: str) -> FrontMatter:
    """Separate the YAML front matter from the Markdown body, keeping the body's line offset.

    python-frontmatter's own ``loads`` strips the text (losing line numbers) and silently drops
    front matter that is not a mapping; both matter here, so its handler is driven directly.
    """
    stripped = text.lstrip("\ufeff \t\r\n")
    if not _OPENING.match(stripped):
        return FrontMatter(present=False, metadata={}, body=text, body_line=0)
    try:
        raw, body = _HANDLER.split(text)
    except ValueError:
        raise PostingError(
            path,
            Message(N_("{path} opens YAML front matter with '---' but never closes it; add a closing '---' line."), path=path),
        ) from None
    try:
        data = _HANDLER.load(raw)
    except FrontMatterLimitError as exc:
        detail = exc.args[0] if exc.args else str(exc)
        raise PostingError(
            path, Message(N_("{path} has front matter {detail}; simplify the YAML."), path=path, detail=detail)
        ) from None
    except yaml.constructor.ConstructorError as exc:
        raise PostingError(
            path,
            Message(
                N_("{path} has front matter with a value plain YAML cannot hold ({detail}); remove the tag."),
                path=path,
                detail=_describe(exc),
            ),
        ) from None
    except yaml.YAMLError as exc:
        raise PostingError(
            path,
            Message(N_("{path} has front matter that is not valid YAML ({detail}); fix the YAML."), path=path, detail=_describe(exc)),
        ) from None
    except RecursionError:
        raise PostingError(
            path, Message(N_("{path} has front matter nested too deeply to read; simplify the YAML."), path=path)
        ) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        type_name = type(data).__name__
        kinds = {"list": N_("a list"), "str": N_("a string"), "int": N_("a number"), "float": N_("a number")}
        kind = Message(kinds[type_name]) if type_name in kinds else Message(N_("a {type}"), type=type_name)
        raise PostingError(
            path,
            Message(
                N_("{path} has front matter that is {kind}, not a mapping; write it as 'key: value' lines (title: ...)."),
                path=path,
                kind=kind,
            ),
        )
    body_line = text[: len(text) - len(body)].count("\n")
    metadata = {str(key): value for key, value in data.items()}
    return FrontMatter(present=True, metadata=metadata, body=body, body_line=body_line)


def _describe(exc: yaml.YAMLError) -> str:
    problem = getattr(exc, "problem", None) or "syntax error"
    mark = getattr(exc, "problem_mark", None)
    if mark is not None:
        # The YAML text starts on the opening '---' line (file line 1) and marks are 0-based.
        return f"{problem} at line {mark.line + 1}"
    return str(problem)
