"""Blind scoring on every page that shows a rating (issues #10, #17), in AppTest: the hiring manager who
sits on their own panel with a draft sees no colleague's rating, note or consensus on the scoring,
consensus, results (every view, documents included) and audit-log pages; off the panel the same
manager reads submitted work and never a draft. Scenario and markers: ``tests/blind_scenario.py``."""

from __future__ import annotations

import time

import pytest
from app_helpers import assert_no_exception, autosave_boxes, new_app, switch_to, texts
from blind_scenario import Scenario, build_scenario
from sqlalchemy.engine import Engine
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from app_pages._common import SELECTED_POSTING_KEY
from app_pages.frame.auth import LAST_SEEN_KEY, USER_ID_KEY
from tracker.db import read_session
from tracker.models import AuditEvent, Candidate

pytest_plugins = ["app_helpers"]

RESULT_VIEWS = ("merit", "agreement", "calibration", "completeness", "charts", "files")


def everything(at: AppTest) -> str:
    """Texts, tables, HTML and chart specs of the run: wherever a rating or a note could be shown."""
    parts = [texts(at)]
    parts += [df.value.to_csv() for df in at.dataframe]
    parts += [str(w.value) for w in [*at.text_area, *at.text_input]]
    parts += [str(box.get("text", "")) for box in autosave_boxes(at).values()]  # the autosaved notes (#18)
    for kind in ("html", "arrow_vega_lite_chart", "vega_lite_chart", "expander", "markdown", "text", "code", "json"):
        try:
            parts += [str(getattr(e, "proto", e)) for e in at.get(kind)]
        except Exception:  # an element kind this Streamlit version does not expose
            continue
    return "\n".join(parts)


def opened(sc: Scenario, page: str, *, candidate: bool = False) -> AppTest:
    at = new_app()
    at.session_state[USER_ID_KEY] = sc.reader.id
    at.session_state[LAST_SEEN_KEY] = time.time()
    at.session_state[SELECTED_POSTING_KEY] = sc.posting_id
    if candidate:
        at.query_params["candidate"] = str(sc.candidate_id)
    at.run()
    switch_to(at, page)
    assert_no_exception(at)
    return at


def results_everywhere(sc: Scenario) -> str:
    at = opened(sc, "results")
    shown = [everything(at)]
    for view in RESULT_VIEWS:
        at.segmented_control(key="results_view").set_value(view).run()
        assert_no_exception(at)
        shown.append(everything(at))
    return "\n".join(shown)


@pytest.fixture
def blind_manager(app_engine: Engine) -> Scenario:
    return build_scenario(app_engine, "manager_on_panel", "draft")


def test_results_page_shows_a_blind_manager_no_colleague_rating_in_any_view(blind_manager: Scenario) -> None:
    shown = results_everywhere(blind_manager)
    assert "WITNESS" not in shown and "DRAFT" not in shown and "CONSENSUS" not in shown


def test_results_merit_table_has_no_value_for_the_candidate_the_manager_is_blind_for(blind_manager: Scenario) -> None:
    at = opened(blind_manager, "results")
    table = at.dataframe[0].value
    row = table[table["Label"] == blind_manager.label].iloc[0]
    criteria = [c for c in table.columns if str(c).startswith("C")]
    # "—" (no value), after the verdict mark "…" (no verdict yet): no colleague's rating or consensus.
    assert criteria and all(str(row[c]).endswith("—") for c in criteria), {c: row[c] for c in criteria}


def test_consensus_page_refuses_the_board_to_a_blind_manager(blind_manager: Scenario) -> None:
    shown = everything(opened(blind_manager, "consensus"))
    assert "Blind scoring" in shown
    assert "WITNESS" not in shown and "CONSENSUS" not in shown and "DRAFT" not in shown


def test_scoring_page_shows_a_blind_manager_only_their_own_draft(blind_manager: Scenario) -> None:
    shown = everything(opened(blind_manager, "scoring", candidate=True))
    assert "OWN" in shown  # their own draft notes are there
    assert "WITNESS" not in shown and "DRAFT" not in shown and "CONSENSUS" not in shown


def test_audit_log_withholds_colleagues_payloads_from_a_blind_manager(
    blind_manager: Scenario, app_engine: Engine
) -> None:
    at = opened(blind_manager, "audit_log")
    shown = everything(at)
    assert "WITNESS" not in shown and "DRAFT" not in shown
    assert "withheld" in shown
    with read_session(app_engine) as s:  # the events exist: only their payloads are withheld
        assert len(s.exec(select(AuditEvent).where(AuditEvent.action == "scorecard.submit")).all()) == 1


def test_a_manager_off_the_panel_reads_submitted_work_but_never_a_draft(app_engine: Engine) -> None:
    sc = build_scenario(app_engine, "manager_off_panel", None)
    shown = results_everywhere(sc) + everything(opened(sc, "audit_log"))
    assert "WITNESS" in shown and "CONSENSUS" in shown
    assert "DRAFT" not in shown


def test_opening_a_candidates_documents_is_an_audit_event(app_engine: Engine) -> None:
    sc = build_scenario(app_engine, "manager_off_panel", None)
    at = opened(sc, "results")
    at.segmented_control(key="results_view").set_value("files").run()
    assert_no_exception(at)
    at.run()  # a rerun does not log the same opening twice
    with read_session(app_engine) as s:
        events = s.exec(select(AuditEvent).where(AuditEvent.action == "report.open")).all()
        assert [(e.actor_id, e.candidate_label, e.posting_id) for e in events] == [
            (sc.reader.id, sc.label, sc.posting_id)
        ]


def test_a_member_with_a_submitted_card_sees_colleagues_submitted_cards_on_the_scoring_page(app_engine: Engine) -> None:
    sc = build_scenario(app_engine, "member", "submitted")
    shown = everything(opened(sc, "scoring", candidate=True))
    assert "Colleagues' scorecards" in shown and "WITNESS" in shown
    assert "DRAFT" not in shown


def test_a_member_whose_card_rates_nothing_still_sees_no_colleague(app_engine: Engine) -> None:
    sc = build_scenario(app_engine, "member", "empty_submitted")
    shown = everything(opened(sc, "scoring", candidate=True))
    assert "WITNESS" not in shown and "DRAFT" not in shown


def test_a_conflict_hides_the_name_in_the_members_queue_and_scoring_picker(app_engine: Engine) -> None:
    sc = build_scenario(app_engine, "member", "conflict")
    with read_session(app_engine) as s:
        name = s.get(Candidate, sc.candidate_id).name
    at = opened(sc, "scoring")
    picker = [w for w in at.selectbox if w.options and any(sc.label in str(o) for o in w.options)]
    shown = everything(at) + " ".join(str(o) for w in picker for o in w.options)
    assert sc.label in shown
    assert name not in shown


def test_the_scoring_page_says_why_a_card_that_rates_nothing_opens_nothing(app_engine: Engine) -> None:
    sc = build_scenario(app_engine, "member", "empty_submitted")
    shown = everything(opened(sc, "scoring", candidate=True))
    assert "rates no criterion, so it does not open your colleagues' scorecards" in shown
