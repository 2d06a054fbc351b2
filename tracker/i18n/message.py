"""Sentences built in the library and shown later, in the reader's language.

A service that refuses something knows *what* to say but not *to whom*: the same error reaches the
command line (English), the server log (English) and a dashboard session that may be in French. So a
service does not format its sentence; it keeps the catalog msgid and the values that fill it::

    raise NotFoundError(N_("Candidate {candidate_id} does not exist."), candidate_id=candidate_id)

:class:`Message` is a ``str`` whose value is the English sentence (so logs, the CLI, ``in`` checks and
``" ".join`` keep working unchanged) and which remembers ``msgid`` and ``params``;
:meth:`Message.translate` gives the sentence in any catalog language. Parameter values may be:

* plain values (names, ids, e-mails): inserted as they are (they are untrusted; the caller escapes
  the finished sentence for wherever it is shown);
* another :class:`Message` (a role, a status, a field name): translated too;
* :class:`Number`: a quantity written the reader's way (``10,001`` in English, ``10 001`` in French,
  where ``10,001`` would read as ten);
* :class:`Join` or a list/tuple: items rendered one by one, then joined.

Templates use bare ``{name}`` fields (no ``!r`` or format specs): compute a ``repr`` or a rounding
into the parameter, so the English and the translated sentence show the same value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from babel.numbers import format_decimal

from tracker.i18n import DEFAULT_LANG, normalise_lang, translations

# The language of msgids: ``str(message)`` is the sentence in this language.
SOURCE_LANG = DEFAULT_LANG


@dataclass(frozen=True)
class Number:
    """A quantity (a length, a byte count, a weight) written with the reader's digit grouping."""

    value: int | float

    def render(self, lang: str) -> str:
        return format_decimal(self.value, locale=normalise_lang(lang))

    def __str__(self) -> str:
        return self.render(SOURCE_LANG)


@dataclass(frozen=True)
class Join:
    """Several values shown as one parameter: ``", "``-separated names, or sentences one after another.

    With ``limit``, only the first ``limit`` items are shown, followed by ``" …"``.
    """

    items: tuple[Any, ...]
    sep: str = ", "
    limit: int | None = None

    @classmethod
    def of(cls, items: Iterable[Any], sep: str = ", ", limit: int | None = None) -> Join:
        return cls(tuple(items), sep, limit)

    def render(self, lang: str | None) -> str:
        shown = self.items if self.limit is None else self.items[: self.limit]
        text = self.sep.join(render_value(item, lang) for item in shown)
        return text + " …" if self.limit is not None and len(self.items) > self.limit else text

    def __str__(self) -> str:
        return self.render(None)


def render_value(value: Any, lang: str | None) -> str:
    """One parameter as text for ``lang`` (``None``: the English of ``str()``)."""
    if isinstance(value, Message):
        return str(value) if lang is None else value.translate(lang)
    if isinstance(value, Number):
        return value.render(lang or SOURCE_LANG)
    if isinstance(value, Join):
        return value.render(lang)
    if isinstance(value, list | tuple):
        return Join.of(value).render(lang)
    return str(value)


def _fill(template: str, params: Mapping[str, Any], lang: str | None) -> str:
    # Like tracker.i18n.t: a msgid without parameters is used as is (no brace processing).
    if not params:
        return template
    return template.format(**{name: render_value(value, lang) for name, value in params.items()})


class Message(str):
    """The English sentence of a catalog msgid filled with ``params``, translatable later."""

    msgid: str
    params: dict[str, Any]

    def __new__(cls, msgid: str, /, **params: Any) -> Message:
        if isinstance(msgid, Message) and not params:
            return msgid
        self = super().__new__(cls, _fill(str(msgid), params, None))
        self.msgid = str(msgid)
        self.params = dict(params)
        return self

    def translate(self, lang: str) -> str:
        """The sentence in ``lang``; the English one if the catalog lacks it or its fields do not fit."""
        text = translations(normalise_lang(lang)).gettext(self.msgid)
        try:
            return _fill(text, self.params, lang)
        except (KeyError, IndexError, ValueError):
            return _fill(self.msgid, self.params, lang) if text != self.msgid else str(self)


def as_message(value: object) -> Message:
    """``value`` if it is already a :class:`Message`, else its text as a msgid without parameters."""
    return value if isinstance(value, Message) else Message(str(value))


def to_data(value: Any) -> Any:
    """``value`` as JSON-ready data that :func:`from_data` turns back into the same value.

    Why: parser and import warnings are stored in the database (``warnings_json``) and shown later in
    the reader's language, so they are stored as a msgid with its parameters, not as English text.
    """
    if isinstance(value, Message):
        return {"msgid": value.msgid, "params": {k: to_data(v) for k, v in value.params.items()}}
    if isinstance(value, Number):
        return {"number": value.value}
    if isinstance(value, Join):
        return {"join": [to_data(v) for v in value.items], "sep": value.sep, "limit": value.limit}
    if isinstance(value, list | tuple):
        return {"join": [to_data(v) for v in value], "sep": ", ", "limit": None}
    return value if isinstance(value, int | float | bool) or value is None else str(value)


def from_data(data: Any) -> Any:
    """The value :func:`to_data` wrote; a plain string (a row stored before #21) stays a string."""
    if isinstance(data, dict):
        if "msgid" in data:
            return Message(str(data["msgid"]), **{k: from_data(v) for k, v in dict(data.get("params") or {}).items()})
        if "number" in data:
            return Number(data["number"])
        if "join" in data:
            return Join(tuple(from_data(v) for v in data["join"]), str(data.get("sep", ", ")), data.get("limit"))
    return data


def messages_to_json(messages: Iterable[Any]) -> str:
    """A list of warnings (messages or plain text) as the JSON stored in ``warnings_json``."""
    import json

    return json.dumps([to_data(m) for m in messages], ensure_ascii=False)


def messages_from_json(text: str | None) -> list[Any]:
    """The warnings stored by :func:`messages_to_json` (or an older list of strings); [] if unreadable."""
    import json

    try:
        data = json.loads(text or "[]")
    except ValueError:
        return []
    return [from_data(item) for item in data] if isinstance(data, list) else []
