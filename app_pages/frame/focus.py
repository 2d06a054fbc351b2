"""Where the keyboard focus goes after a rerun (issue #18 §3).

Streamlit redraws the page after a form submit or a ``st.rerun()``, and the browser's focus lands on
the document body (the top of the page); after a page switch too. A person using the keyboard or a
screen reader then starts again from the top. So:

* after navigation to another page, focus goes to the page's ``h1`` (made focusable with
  ``tabindex=-1``), so a screen reader announces the new page;
* after a submit or a declaration the page asks for a sensible next control with
  :func:`focus_next` (a button by its visible label, or the first rating of the scorecard), which the
  next run moves the focus to.

Saving a note or a rating never asks for focus: those reruns leave the caret and the scroll alone.
The script only looks up elements and calls ``focus()``; labels are passed through ``json.dumps``.
"""

from __future__ import annotations

import base64
import json

import streamlit as st

FOCUS_KEY = "focus_next"  # ("button", label) | ("first_rating", "") for the next run
LAST_PAGE_KEY = "focus_last_page"
_SEQ_KEY = "focus_seq"

FIRST_RATING = "first_rating"
BUTTON = "button"


def focus_next(kind: str, label: str = "") -> None:
    """Ask the next run to move the focus to this control (call it just before ``st.rerun()``)."""
    st.session_state[FOCUS_KEY] = (kind, label)


def _script(kind: str, label: str) -> str:
    seq = st.session_state[_SEQ_KEY] = int(st.session_state.get(_SEQ_KEY, 0)) + 1
    # The target is drawn later in the same run: look for it for a few seconds, then give up.
    body = (
        "(function(){"
        f"var kind={json.dumps(kind)}, label={json.dumps(label)}, tries=0; /* {seq} */"
        "var doc=window.parent===window?document:window.parent.document;"
        "function find(){"
        "if(kind==='h1'){var h=doc.querySelector('[data-testid=\"stMain\"] h1')||doc.querySelector('h1');"
        "if(h&&!h.hasAttribute('tabindex'))h.setAttribute('tabindex','-1');return h;}"
        "if(kind==='first_rating'){return doc.querySelector('[class*=\"st-key-score_box_\"] input[type=radio]');}"
        "if(kind==='button'){return Array.from(doc.querySelectorAll('button')).find(function(b){"
        "return b.innerText.trim()===label&&!b.disabled;});}"
        "return null;}"
        "function go(){var el=find();if(el){el.focus({preventScroll:false});return;}"
        "if(++tries<50)setTimeout(go,100);}"
        "setTimeout(go,150);})();"
    )
    # Base64 so the page's HTML handling cannot mangle the script's "<" and "&&" (it did: nothing ran).
    encoded = base64.b64encode(body.encode("utf-8")).decode("ascii")
    return f"<script>eval(atob({json.dumps(encoded)}));</script>"


def apply(page_key: str) -> None:
    """Router, once per run before the page: the focus this run should end with, if any."""
    wanted = st.session_state.pop(FOCUS_KEY, None)
    moved = st.session_state.get(LAST_PAGE_KEY) != page_key
    st.session_state[LAST_PAGE_KEY] = page_key
    if isinstance(wanted, tuple) and len(wanted) == 2:
        _emit(_script(str(wanted[0]), str(wanted[1])))
    elif moved:
        _emit(_script("h1", ""))


def _emit(script: str) -> None:
    # A container with a new key each time: the browser runs a script when its element is first drawn,
    # not when an element already on the page gets new content.
    with st.container(key=f"focus_script_{st.session_state[_SEQ_KEY]}", height=1, border=False):
        st.html(script, unsafe_allow_javascript=True, width=1)
