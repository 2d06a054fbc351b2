"""Untrusted text is shown as text, and service errors become messages (issue #4 §11, #6 §4)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from app_pages.frame.render import escape_markdown, markdown_to_safe_html

pytest_plugins = ["app_helpers"]  # the app_db fixture


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert('x')</script>",
        "<img src=x onerror=alert(1)>",
        "[click](javascript:alert(1))",
        ":red[alarm] :smile: $\\frac{1}{2}$",
        "**bold** _it_ `code` # heading",
        "line one\nline two",
        "NUL\x00byte",
        "مرحبا emoji 🎉",
    ],
)
def test_escaped_text_renders_back_to_exactly_what_was_typed(hostile: str) -> None:
    from markdown_it import MarkdownIt

    rendered = MarkdownIt("commonmark", {"html": False}).render(escape_markdown(hostile))
    # Every character survives as text: no tag, link, emphasis or code element is produced.
    for tag in ("<script", "<img", "<a ", "<strong", "<em", "<code", "<h1"):
        assert tag not in rendered
    visible = rendered.replace("<p>", "").replace("</p>", "").replace("<br />", "").replace("\n", "")
    import html

    # The only additions are invisible WORD JOINERs (U+2060) that break autolinks and directives.
    assert html.unescape(visible).replace("\u2060", "") == hostile.replace("\x00", "\ufffd").replace("\n", "")


@pytest.mark.parametrize(
    ("source", "present", "absent"),
    [
        ("# Title\n\n<script>alert(1)</script>", ["<h1>Title</h1>", "&lt;script&gt;"], ["<script>"]),
        ("<b onclick=alert(1)>x</b>", ["&lt;b onclick=alert(1)&gt;"], ["<b "]),
        # Since #17 a posting's links show as the text written: a link there could pose as the app's own.
        ("[apply](https://northwind.example/apply)", ["[apply](https://northwind.example/apply)"], ["<a "]),
        ("<https://northwind.example/apply>", ["&lt;https://northwind.example/apply&gt;"], ["<a "]),
        ("[x](javascript:alert(1))", [], ["href=\"javascript"]),
        ("[x](data:text/html;base64,PHNjcmlwdD4=)", [], ["href=\"data"]),
        ("![tracker](https://evil.example/pixel.png)", [], ["<img"]),
        ("- one\n- two", ["<li>one</li>"], []),
    ],
)
def test_posting_markdown_keeps_structure_but_no_html_script_or_remote_image(
    source: str, present: list[str], absent: list[str]
) -> None:
    html = markdown_to_safe_html(source)
    for piece in present:
        assert piece in html
    for piece in absent:
        assert piece not in html


def _service_call_app() -> None:
    import streamlit as st

    from app_pages import frame
    from tracker.services.errors import ConflictError, PermissionDeniedError, ValidationError

    def refuse(_session: object) -> None:
        raise PermissionDeniedError("Only the posting's manager can do that <b>now</b>.")

    def invalid(_session: object) -> None:
        raise ValidationError("Two problems.", ["Give the candidate a name.", "Write the e-mail as name@dept.gc.ca."])

    def conflict(_session: object) -> None:
        raise ConflictError("Someone saved first.")

    def works(_session: object, value: int, *, plus: int) -> int:
        return value + plus

    st.session_state["results"] = [
        frame.service_call(refuse),
        frame.service_call(invalid, write=True),
        frame.service_call(conflict, messages={ConflictError: "Quelqu'un a enregistré avant vous."}),
        frame.service_call(works, 40, plus=2),
    ]


def test_service_call_turns_refusals_into_messages_and_returns_results(app_db: str) -> None:
    at = AppTest.from_function(_service_call_app, default_timeout=30).run()
    assert not at.exception
    assert at.session_state["results"] == [None, None, None, 42]
    errors = [e.value for e in at.error]
    assert errors[0] == "Only the posting\\'s manager can do that \\<b\\>now\\</b\\>\\."
    assert errors[1] == "- Give the candidate a name\\.\n- Write the e\\-mail as name@\u2060dept\\.gc\\.ca\\."
    assert errors[2] == "Quelqu\\'un a enregistré avant vous\\."

