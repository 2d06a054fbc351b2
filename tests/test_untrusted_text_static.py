"""No page hands untrusted text to a Markdown-rendering element without the helper (issue #17, item 1).

Streamlit renders Markdown — links, images, ``:red[…]`` and ``:material/…:`` directives, literal
autolinks — in far more places than ``st.markdown``: captions, titles, alerts, widget labels, radio
options and their ``format_func``, help texts, expanders, tabs, metrics, page links, toasts. A posting
title that reached a caption as it was written became a live image fetched from the author's server
and a phishing link. Escaping one call site at a time failed silently when a new call site forgot.

This test reads every module of ``app_pages/`` (AST) and checks each text argument of those elements.
An argument passes when it is, recursively: a literal; a catalog string (``_(…)``, ``_.ngettext(…)``)
whose parameters pass; a call of the helper :func:`app_pages.frame.render.escape_markdown`; one of the
few functions in :data:`TRUSTED_CALLS` (they return catalog labels, dates or numbers); an f-string,
concatenation, conditional, list or lambda made of such parts; or a local name every assignment of which
passes. Anything else — an attribute (``candidate.name``), a subscript (``row["notes"]``), a service
call, a parameter — fails, naming the file and line. A line may carry ``# markdown-safe: <why>`` when the
value is trusted for a reason the AST cannot see (the reason is required and reviewed).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PAGES = Path(__file__).resolve().parent.parent / "app_pages"
HELPER = "escape_markdown"
SUPPRESS = "# markdown-safe:"

# Element -> (positional argument indexes, keyword names) that Streamlit renders as Markdown.
_LABEL = ((0,), ("label", "help", "placeholder"))
MARKDOWN_ELEMENTS: dict[str, tuple[tuple[int, ...], tuple[str, ...]]] = {
    **dict.fromkeys(("markdown", "caption", "write"), ((0, 1, 2, 3, 4, 5), ("body", "help"))),
    **dict.fromkeys(("title", "header", "subheader"), ((0,), ("body", "help", "anchor"))),
    **dict.fromkeys(("error", "warning", "info", "success", "toast", "exception"), ((0,), ("body",))),
    **dict.fromkeys(
        (
            "button",
            "download_button",
            "form_submit_button",
            "link_button",
            "checkbox",
            "toggle",
            "selectbox",
            "multiselect",
            "text_input",
            "text_area",
            "number_input",
            "date_input",
            "time_input",
            "file_uploader",
            "slider",
            "select_slider",
            "color_picker",
            "camera_input",
            "expander",
            "popover",
            "status",
            "feedback",
            "chat_input",
        ),
        _LABEL,
    ),
    "radio": ((0, 1), ("label", "options", "format_func", "captions", "help")),
    "pills": ((0, 1), ("label", "options", "format_func", "help")),
    "segmented_control": ((0, 1), ("label", "options", "format_func", "help")),
    "page_link": ((), ("label", "help")),
    "tabs": ((0,), ("tabs",)),
    "metric": ((0, 1, 2), ("label", "value", "delta", "help")),
    # column_config columns: the header label and its help tooltip.
    **dict.fromkeys(
        (
            "Column",
            "TextColumn",
            "NumberColumn",
            "CheckboxColumn",
            "SelectboxColumn",
            "DateColumn",
            "DatetimeColumn",
            "ListColumn",
            "ProgressColumn",
            "LinkColumn",
        ),
        ((0,), ("label", "help")),
    ),
}
# Receivers whose methods of those names are not Streamlit elements (str.title(), a DataFrame's…).
NOT_STREAMLIT = {"str", "text", "value", "name", "df", "frame", "table", "log", "logger"}
TRANSLATORS = {"_", "t", "tn", "ngettext", "gettext"}
# Functions that return text no person or file wrote: catalog labels, dates, numbers.
TRUSTED_CALLS = {
    HELPER,
    "label",
    "role_label",
    "format_date",
    "format_moment",
    "len",
    "int",
    "float",
    "round",
    "sum",
    "min",
    "max",
    "abs",
    "format_number",
    "format_score",
    "format_rating",
    "percent",
    "label_func",
    "local_time",
    "local_datetime",
    "moment_text",
    "error_markdown",
    "plain_text",
}
# Attributes that hold numbers or labels the tracker itself generates ("Candidate 07"), never typed text.
TRUSTED_ATTRIBUTES = {
    "value",
    "number",
    "criterion_number",
    "version",
    "version_number",
    "spread",
    "low",
    "high",
    "candidate_label",
}


def _func_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


class _Module:
    """Assignments of one module (module level and every function, merged: a name is trusted only if
    every assignment anywhere in the file is)."""

    def __init__(self, tree: ast.Module) -> None:
        self.assigned: dict[str, list[ast.expr | None]] = {}
        self.items: dict[str, list[ast.expr]] = {}  # name[key] = value
        self.functions = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
                        self.items.setdefault(target.value.id, []).append(node.value)
                    self._bind(target, node.value)
            elif isinstance(node, ast.AnnAssign) and node.value is not None or isinstance(node, ast.AugAssign):
                self._bind(node.target, node.value)
            elif isinstance(node, ast.For):
                self._bind(node.target, None)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                self._bind_parameters(tree, node)
            elif isinstance(node, ast.Lambda):
                args = node.args
                for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
                    if arg is not None:
                        self.assigned.setdefault(arg.arg, []).append(None)
            elif isinstance(node, ast.With):
                for item in node.items:
                    if item.optional_vars is not None:
                        self._bind(item.optional_vars, None)
            elif isinstance(node, ast.NamedExpr):
                self._bind(node.target, node.value)

    def _bind_parameters(self, tree: ast.Module, function: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        """A parameter holds what the module's own calls pass (unknown if called from elsewhere)."""
        args = function.args
        positional = [a.arg for a in [*args.posonlyargs, *args.args]]
        calls = [
            n for n in ast.walk(tree)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == function.name
        ]  # fmt: skip
        private = function.name.startswith("_") or bool(calls)
        for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
            if arg is None:
                continue
            values: list[ast.expr | None] = [] if private and calls else [None]
            for call in calls:
                index = positional.index(arg.arg) if arg.arg in positional else None
                passed = next((k.value for k in call.keywords if k.arg == arg.arg), None)
                if passed is None and index is not None and index < len(call.args):
                    passed = call.args[index]
                if passed is not None:
                    values.append(passed)
            self.assigned.setdefault(arg.arg, []).extend(values or [None])

    def _bind(self, target: ast.expr, value: ast.expr | None) -> None:
        if isinstance(target, ast.Name):
            self.assigned.setdefault(target.id, []).append(value)
        elif isinstance(target, ast.Tuple | ast.List):
            for element in target.elts:
                self._bind(element, None)

    def safe(self, node: ast.expr | None, seen: frozenset[str] = frozenset()) -> bool:
        if node is None:
            return False
        if isinstance(node, ast.Constant):
            return True
        if isinstance(node, ast.JoinedStr):
            return all(self.safe(v, seen) for v in node.values)
        if isinstance(node, ast.FormattedValue):
            return self.safe(node.value, seen)
        if isinstance(node, ast.BinOp):
            return self.safe(node.left, seen) and self.safe(node.right, seen)
        if isinstance(node, ast.UnaryOp):
            return self.safe(node.operand, seen)
        if isinstance(node, ast.IfExp):
            return self.safe(node.body, seen) and self.safe(node.orelse, seen)
        if isinstance(node, ast.BoolOp):
            return all(self.safe(v, seen) for v in node.values)
        if isinstance(node, ast.Compare):
            return True  # a bool
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            return all(self.safe(e, seen) for e in node.elts)
        if isinstance(node, ast.ListComp | ast.GeneratorExp):
            return self.safe(node.elt, seen | self._comp_targets(node, seen))
        if isinstance(node, ast.Attribute):
            return node.attr in TRUSTED_ATTRIBUTES or node.attr.isupper()  # a module's CONSTANT
        if isinstance(node, ast.Subscript):
            return self.safe_mapping(node.value, seen)
        if isinstance(node, ast.Lambda):
            return self.safe(node.body, seen | {a.arg for a in node.args.args})
        if isinstance(node, ast.Name):
            if node.id in seen or node.id in {"True", "False", "None"}:
                return True
            if node.id.isupper() and node.id not in self.assigned:
                return True  # a CONSTANT imported from another module of the project
            values = self.assigned.get(node.id)
            if not values:
                return False
            return all(self.safe(v, seen | {node.id}) for v in values)
        if isinstance(node, ast.Call):
            name = _func_name(node.func)
            if name in TRANSLATORS:
                return all(self.safe(k.value, seen) for k in node.keywords)
            if name in TRUSTED_CALLS:
                return True
            if isinstance(node.func, ast.Name) and name in self.functions and f"def {name}" not in seen:
                returns = [r.value for r in ast.walk(self.functions[name]) if isinstance(r, ast.Return)]
                return bool(returns) and all(self.safe(r, seen | {f"def {name}"}) for r in returns)
            if name in {"upper", "lower", "strip", "capitalize"} and isinstance(node.func, ast.Attribute):
                return self.safe(node.func.value, seen)
            if name == "str" and isinstance(node.func, ast.Name):
                return all(self.safe(a, seen) for a in node.args)
            if name in {"get", "__getitem__"} and isinstance(node.func, ast.Attribute):
                return self.safe_mapping(node.func.value, seen) and all(self.safe(a, seen) for a in node.args[1:])
            if name == "join" and isinstance(node.func, ast.Attribute):
                return self.safe(node.func.value, seen) and all(self.safe(a, seen) for a in node.args)
            if name == "format" and isinstance(node.func, ast.Attribute):
                return (
                    self.safe(node.func.value, seen)
                    and all(self.safe(a, seen) for a in node.args)
                    and all(self.safe(k.value, seen) for k in node.keywords)
                )
            return False
        return False

    def safe_mapping(self, node: ast.expr, seen: frozenset[str]) -> bool:
        """A dict (by name) every value of which is safe: ``labels[value]``, ``labels.get(value, …)``."""
        if isinstance(node, ast.Dict):
            return all(self.safe(v, seen) for v in node.values)
        if isinstance(node, ast.DictComp):
            return self.safe(node.value, seen | self._comp_targets(node, seen))
        if not isinstance(node, ast.Name) or node.id in seen:
            return isinstance(node, ast.Name)
        if node.id.isupper() and node.id not in self.assigned:
            return True  # a CONSTANT table imported from another module of the project
        values = self.assigned.get(node.id)
        if not values:
            return False
        inner = seen | {node.id}
        return all(v is not None and self.safe_mapping(v, inner) for v in values) and all(
            self.safe(v, inner) for v in self.items.get(node.id, [])
        )

    def _comp_targets(
        self, node: ast.ListComp | ast.GeneratorExp | ast.DictComp, seen: frozenset[str]
    ) -> frozenset[str]:
        """Loop variables of a comprehension are trusted only when they iterate over trusted values."""
        names: set[str] = set()
        for generator in node.generators:
            if self.safe(generator.iter, seen):
                names |= {n.id for n in ast.walk(generator.target) if isinstance(n, ast.Name)}
        return frozenset(names)


def _is_streamlit_call(call: ast.Call) -> str | None:
    name = _func_name(call.func)
    if name not in MARKDOWN_ELEMENTS:
        return None
    if isinstance(call.func, ast.Attribute):
        receiver = call.func.value
        if isinstance(receiver, ast.Name) and receiver.id in NOT_STREAMLIT:
            return None
        if isinstance(receiver, ast.Constant):
            return None
    elif name in {"label", "format_date"}:
        return None
    return name


def violations(path: Path) -> list[str]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source)
    module = _Module(tree)
    found: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        element = _is_streamlit_call(node)
        if element is None:
            continue
        positions, keywords = MARKDOWN_ELEMENTS[element]
        checked = [(f"argument {i + 1}", node.args[i]) for i in positions if i < len(node.args)]
        checked += [(k.arg, k.value) for k in node.keywords if k.arg in keywords]
        if any(k.arg == "format_func" for k in node.keywords):  # the options are shown through it
            checked = [(w, v) for w, v in checked if w not in {"options", "argument 2"}]
        for what, value in checked:
            if isinstance(value, ast.Starred) or module.safe(value):
                continue
            span = lines[max(node.lineno - 2, 0) : (node.end_lineno or node.lineno)]  # the call and the line above
            if any(SUPPRESS in line for line in span):
                continue
            where = path.relative_to(PAGES.parent) if path.is_relative_to(PAGES.parent) else path.name
            found.append(f"{where}:{value.lineno}: st.{element}({what}={ast.unparse(value)[:80]})")
    return found


def test_every_markdown_element_gets_literal_catalog_or_escaped_text() -> None:
    found = [v for path in sorted(PAGES.rglob("*.py")) for v in violations(path)]
    assert found == [], "Untrusted text reaches a Markdown element without escape_markdown:\n" + "\n".join(found)


def test_the_suppression_comment_always_says_why() -> None:
    bare = [
        f"{path.relative_to(PAGES.parent)}:{number}"
        for path in sorted(PAGES.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if SUPPRESS in line and len(line.split(SUPPRESS, 1)[1].strip()) < 10
    ]
    assert bare == []


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ("st.caption(candidate.name)", 1),
        ("st.caption(frame.escape_markdown(candidate.name))", 0),
        ("st.caption(_('Posting: {title}', title=summary.title))", 1),
        ("st.caption(_('Posting: {title}', title=frame.escape_markdown(summary.title)))", 0),
        ("st.page_link('app_pages/x.py', label=f'{row.label} · {row.title}')", 1),
        ("st.radio(_('Pick'), ids, format_func=lambda i: names[i])", 1),
        ("st.radio(_('Pick'), ids, format_func=lambda i: escape_markdown(names[i]))", 0),
        ("title = posting.title\nst.subheader(title)", 1),
        ("title = escape_markdown(posting.title)\nst.subheader(title)", 0),
        ("st.tabs([_('One'), posting.title])", 1),
        ("st.metric(_('Candidates'), len(rows))", 0),
        ("st.button(label, help=row['note'])", 2),
        ("st.expander(name)  # markdown-safe: the name is a catalog label chosen above", 0),
        ("x.title()", 0),
    ],
)
def test_the_check_catches_what_it_should(tmp_path: Path, snippet: str, expected: int) -> None:
    """The check itself: it must fail on the unescaped forms and pass the escaped ones."""
    page = tmp_path / "probe_page.py"
    page.write_text(snippet + "\n", encoding="utf-8")
    assert len(violations(page)) == expected, violations(page)
