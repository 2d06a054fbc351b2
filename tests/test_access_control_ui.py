"""Access control in the dashboard (issue #6 §5), with a populated hiring process to leak from.

``tests/test_app_frame.py`` proves that every page a role may not open shows a refusal. Here the
question is what an interviewer *sees*: with real candidates, notes and an audit trail in the
database, nothing of another posting, of a colleague's unsubmitted scorecard, of the results, the audit
log or the exports reaches the page — through a page switch (what the menu and a typed URL do in
AppTest), through a URL parameter naming someone else's candidate or posting, or after the session
expired. The browser versions (a real ``page.goto``) are in tests/browser/test_security_access.py.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from app_helpers import assert_no_exception, new_app, sign_in_with_form, switch_to, texts
from factories import DEFAULT_PASSWORD, World, build_world, make_scorecard
from sqlalchemy import update
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

from app_pages.frame.auth import LAST_SEEN_KEY, USER_ID_KEY
from tracker.db import write_session
from tracker.models import Candidate, Scorecard, ScorecardStatus
from tracker.services import candidates

pytest_plugins = ["app_helpers"]

# Distinctive strings planted in the database; none may appear where the viewer has no right to them.
# (Letters and spaces only, and the page text is unescaped too: pages escape Markdown punctuation.)
OTHER_NAME = "Zebulon Otherposting"
OTHER_NOTE = "Secret note on the other posting"
CHAIR_DRAFT_NOTE = "Chair unsubmitted impression"
CHAIR_SUBMITTED_NOTE = "Chair submitted evidence"
MEMBER_NOTE = "Member own evidence"
EMAIL = "own.candidate@mail.example"


def everything(at: AppTest) -> str:
    """All an AppTest run shows: texts, tables, widget labels, options and values."""
    parts = [texts(at)]
    for frame in at.dataframe:
        parts.append(frame.value.to_csv())
    for kind in ("table", "json", "code", "text", "metric", "exception"):
        parts.extend(str(getattr(element, "value", element)) for element in getattr(at, kind, []))
    for kind in ("selectbox", "radio", "multiselect"):
        for widget in getattr(at, kind):
            parts.append(str(widget.label))
            parts.extend(str(o) for o in widget.options)  # AppTest gives the options as shown
    for kind in ("text_input", "text_area"):
        for widget in getattr(at, kind):
            parts.extend([str(widget.label), str(widget.value)])
    for kind in ("expander", "tabs", "button"):
        parts.extend(str(getattr(element, "label", "")) for element in getattr(at, kind, []))
    shown = "\n".join(parts)
    return shown + "\n" + re.sub(r"\\(.)", r"\1", shown)  # as written, and with Markdown escapes removed


@pytest.fixture
def process(app_engine: Engine) -> dict[str, Any]:
    """Posting A (panel: chair, member) with three candidates, posting B with its own; notes everywhere."""
    world = build_world(app_engine, criteria=2, candidates=3)
    with write_session(app_engine) as s:
        c0, c1, c2 = (s.get(Candidate, c.id) for c in world.candidates)
        c2.email = EMAIL
        other = s.get(Candidate, world.other_candidates[0].id)
        other.name = OTHER_NAME
        make_scorecard(s, candidate=other, interviewer=world.other_chair, ratings=[4, 4], notes=OTHER_NOTE, status=ScorecardStatus.submitted)
        # c0: the chair has a draft, the member has submitted. c1: the chair submitted, the member has not started.
        make_scorecard(s, candidate=c0, interviewer=world.chair, ratings=[2, 3], notes=CHAIR_DRAFT_NOTE)
        make_scorecard(s, candidate=c0, interviewer=world.member, ratings=[3, 3], notes=MEMBER_NOTE, status=ScorecardStatus.submitted)
        make_scorecard(s, candidate=c1, interviewer=world.chair, ratings=[5, 5], notes=CHAIR_SUBMITTED_NOTE, status=ScorecardStatus.submitted)
    with write_session(app_engine) as s:  # an audit trail with a name in it
        candidates.update_candidate(s, world.actor("manager"), candidate_id=world.candidates[2].id, expected_version=1, name="Renamed Person")
    return {"world": world, "ids": {"c0": world.candidates[0].id, "c1": world.candidates[1].id, "other": world.other_candidates[0].id}}


def session_of(user_id: int, *, query: dict[str, str] | None = None) -> AppTest:
    at = new_app(lang="en")
    at.session_state[USER_ID_KEY] = user_id
    at.session_state[LAST_SEEN_KEY] = time.time()
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    return at


FORBIDDEN_TO_INTERVIEWERS = ["results", "audit_log", "postings", "rubric", "candidates", "users"]


@pytest.mark.parametrize("page", FORBIDDEN_TO_INTERVIEWERS)
def test_an_interviewer_switching_to_a_staff_page_sees_a_refusal_and_no_data(process: dict[str, Any], page: str) -> None:
    world: World = process["world"]
    at = switch_to(session_of(world.member.id, query={"posting": str(world.posting.id)}), page)
    assert_no_exception(at)
    assert [t.value for t in at.title] == ["Access refused"]
    shown = everything(at)
    for secret in (OTHER_NAME, OTHER_NOTE, CHAIR_DRAFT_NOTE, CHAIR_SUBMITTED_NOTE, MEMBER_NOTE, EMAIL, "Renamed Person"):
        assert secret not in shown
    assert not at.get("download_button"), "no export can be downloaded from a refusal"


def test_a_url_naming_another_postings_candidate_shows_only_the_interviewers_own_queue(process: dict[str, Any]) -> None:
    world: World = process["world"]
    at = switch_to(session_of(world.member.id, query={"candidate": str(process["ids"]["other"])}), "scoring")
    assert_no_exception(at)
    shown = everything(at)
    assert OTHER_NAME not in shown and OTHER_NOTE not in shown
    assert at.query_params.get("candidate") != [str(process["ids"]["other"])]


def test_an_interviewer_on_no_panel_sees_no_candidate_at_all(process: dict[str, Any]) -> None:
    world: World = process["world"]
    for page in ("scoring", "consensus", "outstanding", "home"):
        at = switch_to(session_of(world.outsider.id, query={"candidate": str(process["ids"]["c0"])}), page)
        assert_no_exception(at)
        shown = everything(at)
        for candidate in world.candidates:
            assert candidate.name not in shown, page
        assert MEMBER_NOTE not in shown and CHAIR_SUBMITTED_NOTE not in shown


def test_a_colleagues_scorecard_stays_hidden_until_one_submits(process: dict[str, Any], app_engine: Engine) -> None:
    """The chair has not submitted for c0: neither the scoring page nor the consensus page shows the
    member's submitted notes to the chair, and the member never sees the chair's draft."""
    world: World = process["world"]
    for page in ("scoring", "consensus"):
        chair_view = everything(switch_to(session_of(world.chair.id, query={"candidate": str(process["ids"]["c0"])}), page))
        assert MEMBER_NOTE not in chair_view, page
        member_view = everything(switch_to(session_of(world.member.id, query={"candidate": str(process["ids"]["c0"])}), page))
        assert CHAIR_DRAFT_NOTE not in member_view, page
        # c1: the chair submitted, the member has not even started: still hidden from the member.
        member_c1 = everything(switch_to(session_of(world.member.id, query={"candidate": str(process["ids"]["c1"])}), page))
        assert CHAIR_SUBMITTED_NOTE not in member_c1, page
    # The control: once the chair submits for c0, the same page does show the member's notes to the chair.
    with write_session(app_engine) as s:
        s.execute(update(Scorecard).where(Scorecard.candidate_id == process["ids"]["c0"]).values(status=ScorecardStatus.submitted))
    chair_after = everything(switch_to(session_of(world.chair.id, query={"candidate": str(process["ids"]["c0"])}), "scoring"))
    assert MEMBER_NOTE in chair_after


def test_a_manager_cannot_open_another_managers_results_by_url(process: dict[str, Any]) -> None:
    world: World = process["world"]
    at = switch_to(session_of(world.manager.id, query={"posting": str(world.other_posting.id)}), "results")
    assert_no_exception(at)
    shown = everything(at)
    assert OTHER_NAME not in shown and OTHER_NOTE not in shown
    assert at.title[0].value == "Results"


def test_an_expired_session_shows_the_sign_in_form_and_nothing_else(process: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    world: World = process["world"]
    at = switch_to(session_of(world.member.id, query={"candidate": str(process["ids"]["c0"])}), "scoring")
    assert MEMBER_NOTE in everything(at)  # (what the member legitimately sees while signed in)
    at.session_state[LAST_SEEN_KEY] = time.time() - 31 * 60
    at.run()
    assert_no_exception(at)
    shown = everything(at)
    assert MEMBER_NOTE not in shown and world.candidates[0].name not in shown
    assert at.text_input(key="sign_in_email") is not None
    sign_in_with_form(at, world.member.email, DEFAULT_PASSWORD)
    assert_no_exception(at)
    assert USER_ID_KEY in at.session_state
