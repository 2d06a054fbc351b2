"""The Results page (issue #5): merit view with verdicts, agreement, calibration, completeness, charts,
candidate documents and exports — for the posting's manager and administrators only.

The data is built by hand (tests/factories.py) so that every verdict on screen is known in advance:

=========  ==========================  =========================================  ======================
candidate  chair / member ratings      C1 C2 C3 essential (pass 3, 2 raters), C4  expected essentials
=========  ==========================  =========================================  ======================
Ana        4 4 4 5 / 4 4 4 4           means of 2, all >= 3                       met (total 16.5)
Bea (=…)   2 2 4 3 / 2 3 4 3           C1 mean 2 < 3                              not met
Cy         5 5 5 5 / (draft)           one rating each, below the 2 raters        no verdict yet
Dee        3 3 3 3 / 2 4 3 3           consensus 3 on C1–C3                       met (total 12, 2nd)
=========  ==========================  =========================================  ======================
"""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import openpyxl
import pandas as pd
import pytest
from app_helpers import assert_no_exception, new_app, set_language, signed_in, switch_to, texts
from factories import (
    World,
    actor_of,
    build_world,
    criteria_of,
    criterion_dict,
    make_candidate,
    make_consensus,
    make_panel,
    make_posting,
    make_scorecard,
    rubric_of,
)
from sqlalchemy.engine import Engine
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from app_pages._common import SELECTED_POSTING_KEY
from app_pages._results_files import preview_fragment
from app_pages._results_merit import cell_text
from app_pages._results_text import CHART_TEXTS
from app_pages.frame.auth import LAST_SEEN_KEY, USER_ID_KEY
from app_pages.frame.registry import page_spec
from tracker.db import read_session, write_session
from tracker.exports import CSV_ENCODING, posting_scores_file
from tracker.models import (
    Candidate,
    CandidateStatus,
    CriterionKind,
    DecisionOutcome,
    Lang,
    Posting,
    ScorecardStatus,
)
from tracker.results import charts
from tracker.results.data import load_merit_frames
from tracker.services import decisions
from tracker.services.errors import PermissionDeniedError

pytest_plugins = ["app_helpers"]

FORMULA_NAME = '=HYPERLINK("http://evil.example","Bea")'
SCRIPT_NOTE = "<script>alert('x')</script> Described the research plan."
FORMULA_NOTE = "=cmd|' /C calc'!A0"
CONSENSUS_RATIONALE = "Agreed at the debrief: <b>solid</b> examples."
VIEWS = ("merit", "agreement", "calibration", "completeness", "charts", "files")


NAMES = {"ana": "Ana Northwind", "bea": FORMULA_NAME, "cy": "Cy Lakeshore", "dee": "Dée Fortin"}
RATINGS = {  # (chair, member); None: the member's scorecard is still a draft
    "ana": ([4, 4, 4, 5], [4, 4, 4, 4]),
    "bea": ([2, 2, 4, 3], [2, 3, 4, 3]),
    "cy": ([5, 5, 5, 5], None),
    "dee": ([3, 3, 3, 3], [2, 4, 3, 3]),
}


@dataclass
class ResultsWorld:
    world: World
    posting_id: int  # the hand-built posting below, owned by world.manager, panel: chair + member
    ids: dict[str, int]  # candidate short name -> id
    names = NAMES


def build_results_world(engine: Engine) -> ResultsWorld:
    """``build_world`` plus a posting of 3 essential criteria (C2 weighs 1.5) and an asset, scored as above."""
    world = build_world(engine, candidates=0)
    with write_session(engine) as session:
        posting = make_posting(
            session, owner=world.manager, translation_key="northwind-results-analyst",
            title_en="Results Analyst", title_fr="Analyste des résultats",
            criteria=[criterion_dict(0), criterion_dict(1, weight=1.5), criterion_dict(2),
                      criterion_dict(3, kind=CriterionKind.asset)],
        )  # fmt: skip
        make_panel(session, posting=posting, members=[world.chair, world.member], chair=world.chair)
        people = {key: make_candidate(session, posting=posting, name=name) for key, name in NAMES.items()}
        for key, (by_chair, by_member) in RATINGS.items():
            make_scorecard(session, candidate=people[key], interviewer=world.chair, ratings=by_chair,
                           status=ScorecardStatus.submitted, notes=SCRIPT_NOTE if key == "ana" else FORMULA_NOTE)  # fmt: skip
            if by_member is None:
                make_scorecard(session, candidate=people[key], interviewer=world.member, ratings=[4])
            else:
                make_scorecard(session, candidate=people[key], interviewer=world.member, ratings=by_member,
                               status=ScorecardStatus.submitted)  # fmt: skip
        for crit in criteria_of(session, rubric_of(session, posting))[:3]:
            make_consensus(session, candidate=people["dee"], criterion=crit, rating=3, rationale=CONSENSUS_RATIONALE,
                           by=world.chair)  # fmt: skip
        decisions.record_decision(
            session, actor_of(world.manager), candidate_id=people["ana"].id or 0, outcome=DecisionOutcome.qualified,
            rationale="Meets every essential qualification.",
        )  # fmt: skip
        return ResultsWorld(world, int(posting.id or 0), {key: int(c.id or 0) for key, c in people.items()})


@pytest.fixture
def rw(app_engine: Engine) -> ResultsWorld:
    return build_results_world(app_engine)


def open_results(user_id: int, *, lang: str = "en", posting_id: int | None = None) -> AppTest:
    """The results page as ``user_id``, on ``posting_id`` (chosen as the hiring pages share it)."""
    at = new_app(lang=lang)
    at.session_state[USER_ID_KEY] = user_id
    at.session_state[LAST_SEEN_KEY] = time.time()
    if posting_id is not None:
        at.session_state[SELECTED_POSTING_KEY] = posting_id
    at.run()
    switch_to(at, "results")
    assert_no_exception(at)
    return at


def merit_table(at: AppTest) -> pd.DataFrame:
    return at.dataframe[0].value


def rows_by_label(table: pd.DataFrame, label_column: str = "Label") -> dict[str, pd.Series]:
    return {row[label_column]: row for _, row in table.iterrows()}


def label_of(rw: ResultsWorld, key: str) -> str:
    return f"Candidate {list(rw.ids).index(key) + 1:02d}"


# --- who may open the page -------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["manager", "admin"])
def test_the_manager_of_the_posting_and_an_admin_see_its_merit_view(rw: ResultsWorld, who: str) -> None:
    at = open_results(getattr(rw.world, who).id, posting_id=rw.posting_id)
    assert [t.value for t in at.title] == ["Results"]
    assert not at.error
    table = merit_table(at)
    assert sorted(table["Name"]) == sorted(rw.names.values())


def test_a_manager_is_offered_only_the_postings_they_own(rw: ResultsWorld, app_engine: Engine) -> None:
    at = open_results(rw.world.manager.id)
    assert sorted(at.selectbox(key="results_posting").options) == sorted(
        [
            f"{rw.world.posting.title_en} · {rw.world.posting.translation_key}",
            "Results Analyst · northwind-results-analyst",
        ]
    )


def test_the_registry_refuses_an_interviewer(rw: ResultsWorld) -> None:
    at = signed_in(rw.world.chair.id, page="results")
    assert_no_exception(at)
    assert [t.value for t in at.title] == ["Access refused"]
    assert not at.dataframe
    assert "Ana Northwind" not in texts(at)


def test_the_page_guard_refuses_an_interviewer_without_the_router(rw: ResultsWorld) -> None:
    at = AppTest.from_file(str(page_spec("results").path), default_timeout=30)
    at.session_state[USER_ID_KEY] = rw.world.member.id
    at.session_state[LAST_SEEN_KEY] = time.time()
    at.run()
    assert_no_exception(at)
    assert [t.value for t in at.title] == ["Access refused"]
    assert not at.dataframe


@pytest.mark.parametrize("who", ["chair", "other_manager"])
def test_the_service_refuses_results_to_anyone_but_the_owner_and_admins(
    rw: ResultsWorld, app_engine: Engine, who: str
) -> None:
    with read_session(app_engine) as session, pytest.raises(PermissionDeniedError):
        load_merit_frames(session, rw.world.actor(who), posting_id=rw.posting_id)
    with pytest.raises(PermissionDeniedError):
        posting_scores_file(app_engine, rw.world.actor(who), posting_id=rw.posting_id, fmt="csv")


def test_the_page_shows_the_service_refusal_and_no_figure(
    rw: ResultsWorld, app_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even if the page offered a posting it should not (here: every posting listed), the service refuses."""
    from app_pages import _common

    with write_session(app_engine) as session:  # a seat on the other posting's panel lists it for the manager
        other = session.get(Posting, rw.world.other_posting.id)
        make_panel(session, posting=other, members=[rw.world.manager], chair=rw.world.other_chair)
    monkeypatch.setattr(_common, "managed_postings", lambda actor, summaries: summaries)
    at = open_results(rw.world.manager.id, posting_id=rw.world.other_posting.id)
    errors = [e.value.replace("\\", "") for e in at.error]  # shown as escaped Markdown
    assert errors == ["Only an administrator or the hiring manager who owns this posting can see its results."]
    assert not at.dataframe


def test_a_manager_who_loses_the_posting_stops_seeing_its_results_on_the_next_click(
    rw: ResultsWorld, app_engine: Engine
) -> None:
    at = open_results(rw.world.manager.id, posting_id=rw.posting_id)
    assert at.dataframe
    with write_session(app_engine) as session:
        posting = session.get(Posting, rw.posting_id)
        posting.owner_id = rw.world.other_manager.id
        session.add(posting)
    at.run()
    assert_no_exception(at)
    assert "Results Analyst · northwind-results-analyst" not in at.selectbox(key="results_posting").options
    assert not any(set(df.value.get("Name", [])) & set(NAMES.values()) for df in at.dataframe)


# --- the merit view --------------------------------------------------------------------------------


def test_the_merit_table_shows_each_candidates_verdicts(rw: ResultsWorld) -> None:
    at = open_results(rw.world.manager.id, posting_id=rw.posting_id)
    table = merit_table(at)
    by_name = {row["Name"]: row for _, row in table.iterrows()}
    ana, bea, cy, dee = (by_name[rw.names[k]] for k in ("ana", "bea", "cy", "dee"))

    assert ana["Essential criteria"] == "✓ all 3 met"
    assert ana["C1 (essential)"] == "✓ 4 (mean of 2)"
    assert ana["C4 (asset)"] == "4.5 (mean of 2)"
    assert ana["Weighted total"] == pytest.approx(4 + 1.5 * 4 + 4 + 4.5)  # weight x value, asset included
    assert ana["Decision"] == "Qualified"

    assert bea["Essential criteria"] == "✗ 2 of 3 not met"
    assert bea["C1 (essential)"] == "✗ 2 (mean of 2)"
    assert bea["C2 (essential)"] == "✗ 2.5 (mean of 2)"  # also below the pass mark of 3
    assert bea["C3 (essential)"] == "✓ 4 (mean of 2)"

    assert cy["Essential criteria"] == "… 3 of 3 without a verdict yet"
    assert cy["C1 (essential)"] == "… 5 (mean of 1)"  # one rating, the criterion needs two raters
    assert dee["Essential criteria"] == "✓ all 3 met"
    assert dee["C1 (essential)"] == "✓ 3 (consensus, n=2)"
    assert dee["C4 (asset)"] == "3 (mean of 2)"

    # The ordering aid: every essential met first (by weighted total), then no verdict, then not met.
    assert list(table["Name"]) == [rw.names[k] for k in ("ana", "dee", "cy", "bea")]
    assert list(table["Order (aid)"]) == ["1", "2", "3", "4"]
    assert "The order is an aid, not a decision." in texts(at)


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("met", ["ana", "dee"]),
        ("not_met", ["bea"]),
        ("pending", ["cy"]),
    ],
)
def test_the_essentials_filter_keeps_the_candidates_with_that_verdict(
    rw: ResultsWorld, choice: str, expected: list[str]
) -> None:
    at = open_results(rw.world.manager.id, posting_id=rw.posting_id)
    at.multiselect(key="results_filter_essentials").set_value([choice]).run()
    assert_no_exception(at)
    assert list(merit_table(at)["Name"]) == [rw.names[k] for k in expected]
    assert f"Candidates shown: {len(expected)} of 4." in texts(at)


def test_the_decision_and_status_filters_combine(rw: ResultsWorld) -> None:
    at = open_results(rw.world.manager.id, posting_id=rw.posting_id)
    at.multiselect(key="results_filter_decision").set_value(["qualified"]).run()
    assert list(merit_table(at)["Name"]) == [rw.names["ana"]]
    at.multiselect(key="results_filter_status").set_value([CandidateStatus.withdrawn.value]).run()
    assert merit_table(at).empty


def test_sorting_by_a_criterion_puts_missing_values_last_and_can_be_reversed(rw: ResultsWorld) -> None:
    at = open_results(rw.world.manager.id, posting_id=rw.posting_id)
    at.selectbox(key="results_sort").set_value("C1").run()
    assert list(merit_table(at)["Name"])[:2] == [rw.names["bea"], rw.names["dee"]]
    at.toggle(key="results_sort_descending").set_value(True).run()
    assert list(merit_table(at)["Name"])[0] == rw.names["cy"]


def test_the_anonymised_toggle_hides_every_name(rw: ResultsWorld) -> None:
    at = open_results(rw.world.manager.id, posting_id=rw.posting_id)
    at.toggle(key="results_anonymised").set_value(True).run()
    assert_no_exception(at)
    table = merit_table(at)
    assert "Name" not in table.columns
    assert sorted(table["Label"]) == ["Candidate 01", "Candidate 02", "Candidate 03", "Candidate 04"]
    shown = table.astype(str).to_numpy().ravel().tolist() + list(table.columns) + [texts(at)]
    for name in rw.names.values():
        assert not any(name in cell for cell in shown), name
    assert "Name" not in at.selectbox(key="results_sort").options


def test_the_merit_view_speaks_french(rw: ResultsWorld) -> None:
    at = open_results(rw.world.manager.id, lang="fr", posting_id=rw.posting_id)
    assert [t.value for t in at.title] == ["Résultats"]
    table = merit_table(at)
    ana = next(row for _, row in table.iterrows() if row["Nom"] == rw.names["ana"])
    assert ana["Critères essentiels"] == "✓ les 3 satisfaits"
    assert ana["C2 (essentiel)"] == "✓ 4 (moyenne de 2)"
    assert ana["C4 (atout)"] == "4,5 (moyenne de 2)"
    assert "L'ordre est une aide, pas une décision." in texts(at)


def test_a_posting_named_in_the_url_opens_directly(rw: ResultsWorld, app_engine: Engine) -> None:
    at = AppTest.from_file(str(page_spec("home").path.parents[1] / "streamlit_app.py"), default_timeout=30)
    at.secrets.update({"tracker_test": True})
    at.user = {}
    at.session_state[USER_ID_KEY] = rw.world.admin.id
    at.session_state[LAST_SEEN_KEY] = time.time()
    at.query_params["posting"] = str(rw.posting_id)
    at.run()
    at.switch_page(page_spec("results").relative_path).run()
    assert_no_exception(at)
    assert at.selectbox(key="results_posting").value == rw.posting_id
    assert sorted(merit_table(at)["Name"]) == sorted(rw.names.values())


def test_figures_are_cached_until_refreshed(rw: ResultsWorld, app_engine: Engine) -> None:
    at = open_results(rw.world.manager.id, posting_id=rw.posting_id)
    with write_session(app_engine) as session:  # the chair records consensus for Cy on the consensus page
        cy = session.get(Candidate, rw.ids["cy"])
        for crit in criteria_of(session, rubric_of(session, rw.posting_id))[:3]:
            make_consensus(session, candidate=cy, criterion=crit, rating=2, rationale="Weak examples.")

    def cy_row() -> pd.Series:
        return next(row for _, row in merit_table(at).iterrows() if row["Name"] == rw.names["cy"])

    at.run()
    assert cy_row()["Essential criteria"] == "… 3 of 3 without a verdict yet"  # still the cached figures
    at.button(key="results_refresh").click().run()
    assert_no_exception(at)
    assert cy_row()["Essential criteria"] == "✗ 3 of 3 not met"


# --- the other views -------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("view", VIEWS)
def test_every_view_renders_without_error(rw: ResultsWorld, view: str, lang: str) -> None:
    at = open_results(rw.world.manager.id, lang=lang, posting_id=rw.posting_id)
    at.segmented_control(key="results_view").set_value(view).run()
    assert_no_exception(at)
    assert not at.error
    assert at.dataframe or view in ("charts", "files")


@pytest.mark.parametrize("scored", [False, True])
@pytest.mark.parametrize("view", VIEWS)
def test_every_view_copes_with_a_posting_without_candidates_or_scores(
    app_engine: Engine, view: str, scored: bool
) -> None:
    world = build_world(app_engine, candidates=2 if scored else 0)
    if scored:  # candidates with drafts only: nothing submitted yet
        with write_session(app_engine) as session:
            make_scorecard(session, candidate=world.candidates[0], interviewer=world.chair, ratings=[3, 4])
    at = open_results(world.manager.id, posting_id=world.posting.id)
    at.segmented_control(key="results_view").set_value(view).run()
    assert_no_exception(at)
    assert not at.error


def test_the_language_switch_keeps_the_posting_and_the_view(rw: ResultsWorld) -> None:
    at = open_results(rw.world.manager.id, posting_id=rw.posting_id)
    at.segmented_control(key="results_view").set_value("completeness").run()
    set_language(at, "fr")
    assert_no_exception(at)
    assert [t.value for t in at.title] == ["Résultats"]
    assert at.selectbox(key="results_posting").value == rw.posting_id
    assert "Ce qui manque avant une décision" in texts(at)


def open_view(rw: ResultsWorld, view: str, *, lang: str = "en") -> AppTest:
    at = open_results(rw.world.manager.id, lang=lang, posting_id=rw.posting_id)
    at.segmented_control(key="results_view").set_value(view).run()
    assert_no_exception(at)
    return at


def table_with(at: AppTest, column: str) -> pd.DataFrame:
    return next(df.value for df in at.dataframe if column in df.value.columns)


def test_agreement_flags_spreads_of_two_points_and_reads_alpha(rw: ResultsWorld) -> None:
    at = open_view(rw, "agreement")
    spread = table_with(at, "Spread")
    # Only one candidate x criterion spreads over 2 points or more? None here: Dee C2 is 3 vs 4, C1 3 vs 2.
    assert spread.empty
    assert "**0** ratings of a candidate on a criterion spread over 2 points or more" in texts(at)
    at.toggle(key="results_only_flagged").set_value(False).run()
    spread = table_with(at, "Spread")
    assert len(spread) == 3 * 4 + 4  # three candidates rated twice on 4 criteria, Cy once on 4
    alpha = table_with(at, "Alpha")
    assert list(alpha["Criterion"]) == ["C1", "C2", "C3", "C4"]
    assert set(alpha["Ratings compared"]) <= {6}
    assert "Krippendorff's alpha (ordinal)" in texts(at)


def test_a_two_point_spread_needs_a_conversation(rw: ResultsWorld, app_engine: Engine) -> None:
    with write_session(app_engine) as session:
        posting = session.get(Posting, rw.posting_id)
        eve = make_candidate(session, posting=posting, name="Eve Harbour")
        make_scorecard(
            session, candidate=eve, interviewer=rw.world.chair, ratings=[1, 3, 3, 3], status=ScorecardStatus.submitted
        )
        make_scorecard(
            session, candidate=eve, interviewer=rw.world.member, ratings=[4, 3, 3, 3], status=ScorecardStatus.submitted
        )
        assert session.get(Candidate, eve.id) is not None
    at = open_view(rw, "agreement")
    spread = table_with(at, "Spread")
    assert list(spread["Candidate"]) == ["Eve Harbour"]
    assert list(spread["Criterion"]) == ["C1"]
    assert list(spread["Spread"]) == [3.0]
    assert list(spread["Needs a conversation"]) == ["⚑ yes: 2 points or more"]


def test_alpha_is_shown_as_undefined_with_its_reason_when_only_one_rater_rated(app_engine: Engine) -> None:
    world = build_world(app_engine, candidates=2)
    with write_session(app_engine) as session:
        for cand in world.candidates:
            make_scorecard(
                session, candidate=cand, interviewer=world.chair, ratings=[3, 4, 5], status=ScorecardStatus.submitted
            )
    at = open_results(world.manager.id, posting_id=world.posting.id)
    at.segmented_control(key="results_view").set_value("agreement").run()
    assert_no_exception(at)
    assert any(
        "undefined: no candidate has been rated on the same criterion by two panel members" in i.value.replace("\\", "")
        for i in at.info
    )
    alpha = table_with(at, "Alpha")
    assert alpha["Alpha"].isna().all()
    assert set(alpha["Reading"]) == {
        "undefined: no candidate has been rated on the same criterion by two panel members"
    }


def test_calibration_shows_lenient_and_severe_members_with_their_counts(rw: ResultsWorld) -> None:
    at = open_view(rw, "calibration")
    cal = table_with(at, "Mean deviation").set_index("Interviewer")
    chair, member = cal.loc["Charlie Chair"], cal.loc["Mika Member"]
    # Chair minus member over 12 shared cells: Ana +1 (C4), Bea -1 (C2), Dee +1 -1 (C1, C2): sum 0? see below.
    deviations = [4 - 4, 4 - 4, 4 - 4, 5 - 4, 2 - 2, 2 - 3, 4 - 4, 3 - 3, 3 - 2, 3 - 4, 3 - 3, 3 - 3]
    expected = sum(deviations) / len(deviations)
    assert chair["Mean deviation"] == pytest.approx(expected)
    assert member["Mean deviation"] == pytest.approx(-expected)
    assert chair["Comparisons"] == member["Comparisons"] == 12
    assert chair["Tendency"] == ("lenient" if expected > 0 else "severe" if expected < 0 else "in line")
    assert (chair["Submitted"], chair["Drafts"], chair["Not started"]) == (4, 0, 0)
    assert (member["Submitted"], member["Drafts"], member["Not started"]) == (3, 1, 0)


def test_completeness_lists_what_is_missing_per_candidate(rw: ResultsWorld) -> None:
    at = open_view(rw, "completeness")
    table = table_with(at, "Criteria without consensus").set_index("Candidate")
    assert "Dée Fortin" not in table.index or table.loc["Dée Fortin", "Criteria without consensus"] == "C4"
    cy = table.loc["Cy Lakeshore"]
    assert cy["Scorecards submitted"] == "1 of 2"
    assert cy["Drafts by"] == "Mika Member"
    assert cy["Criteria without consensus"] == "C1, C2, C3, C4"
    assert "**0** of **4** candidates are ready for a decision." in texts(at)


def test_charts_draw_with_translated_labels(rw: ResultsWorld) -> None:
    at = open_view(rw, "charts", lang="fr")
    specs = [json.dumps(json.loads(element.proto.spec), ensure_ascii=False) for element in at.get("vega_lite_chart")]
    assert len(specs) == 3
    joined = "\n".join(specs)
    assert "Tableau du mérite" in joined
    assert "Répartition des cotes par critère" in joined
    assert "Étalonnage des membres du comité" in joined


def test_every_chart_has_its_data_as_a_table_beside_it(rw: ResultsWorld) -> None:
    """Issue #14 (WCAG 1.1.1): the heatmap's cells, the rating counts and the calibration labels, as tables."""
    at = open_view(rw, "charts")
    expanders = [e.label for e in at.expander]
    assert expanders.count("The chart's data as a table") == 3
    heat = table_with(at, "Candidate").set_index("Candidate")
    assert {"Cy Lakeshore", "Dée Fortin"} <= set(heat.index)
    assert list(heat.columns) == ["C1", "C2", "C3", "C4"]
    cell = re.compile(r"^(n/a|—|\d+(\.\d)?\*?)†?( [✓✗])?$")  # the texts drawn in the heatmap's cells
    assert all(cell.match(text) for text in heat.stack().tolist()), heat
    counts = table_with(at, "Criterion").set_index("Criterion")
    assert list(counts.columns) == [f"Rating {v}" for v in range(1, 6)]
    assert list(counts.index) == ["C1", "C2", "C3", "C4"] and counts.to_numpy().sum() > 0
    labels = table_with(at, "Interviewer").set_index("Interviewer")
    assert {"Charlie Chair", "Mika Member"} <= set(labels.index)
    assert all(re.match(r"^[+-]\d\.\d\d .+ \(n=\d+\)$", label) for label in labels["Mean deviation"]), labels


def test_the_chart_texts_in_the_catalog_are_exactly_the_charts_msgids() -> None:
    assert CHART_TEXTS == charts.MSGIDS


# --- documents and exports -------------------------------------------------------------------------


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Callable[[], bytes]]]:
    """File name -> a callable giving the bytes a download button serves (deferred ones are called)."""
    captured: dict[str, Callable[[], bytes]] = {}
    add, add_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def spy_add(self: MediaFileManager, data: Any, mimetype: str, coordinates: str, file_name: str | None = None,
                is_for_static_download: bool = False) -> str:  # fmt: skip
        if file_name:
            captured[file_name] = lambda: data
        return add(self, data, mimetype, coordinates, file_name, is_for_static_download)

    def spy_deferred(self: MediaFileManager, data_callable: Callable[[], Any], mimetype: str | None, coordinates: str,
                     file_name: str | None = None, **kwargs: Any) -> str:  # fmt: skip
        if file_name:
            captured[file_name] = data_callable
        return add_deferred(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add", spy_add)
    monkeypatch.setattr(MediaFileManager, "add_deferred", spy_deferred)
    yield captured


def files_view(rw: ResultsWorld, *, lang: str = "en", anonymised: bool = False) -> AppTest:
    at = open_results(rw.world.manager.id, lang=lang, posting_id=rw.posting_id)
    if anonymised:
        at.toggle(key="results_anonymised").set_value(True).run()
    at.segmented_control(key="results_view").set_value("files").run()
    assert_no_exception(at)
    return at


def one(captured: dict[str, Callable[[], bytes]], suffix: str) -> bytes:
    names = [n for n in captured if n.endswith(suffix)]
    assert len(names) == 1, (suffix, list(captured))
    data = captured[names[0]]()
    return data if isinstance(data, bytes) else data.encode("utf-8")


def test_the_files_view_offers_every_download(rw: ResultsWorld, downloads: dict) -> None:
    at = files_view(rw)
    assert [b.key for b in at.get("download_button")] == [
        "results_download_record", "results_download_feedback", "results_export_merit_csv",
        "results_export_merit_xlsx", "results_export_scores_csv", "results_export_scores_xlsx",
    ]  # fmt: skip
    key = "northwind-results-analyst"
    assert {f"{key}-merit-en.csv", f"{key}-merit-en.xlsx", f"{key}-scores-en.csv", f"{key}-scores-en.xlsx"} <= set(
        downloads
    )
    assert any(n.endswith("-record-en.html") for n in downloads)
    for name in NAMES.values():  # file names carry the posting key and labels, never a name
        assert not any(name.split()[0] in n for n in downloads), name


def test_the_merit_csv_round_trips_with_a_bom_and_inert_formulas(rw: ResultsWorld, downloads: dict) -> None:
    files_view(rw)
    data = one(downloads, "-merit-en.csv")
    assert data.startswith("\ufeff".encode())
    frame = pd.read_csv(io.BytesIO(data), encoding=CSV_ENCODING)
    assert set(frame["Name"]) == {"Ana Northwind", "'" + FORMULA_NAME, "Cy Lakeshore", "Dée Fortin"}
    assert list(frame["Order (aid)"].astype(str)) == ["1", "2", "3", "4"]
    ana = frame[frame["Name"] == "Ana Northwind"].iloc[0]
    assert ana["Essential criteria"] == "met"
    assert ana["C1"] == 4


def test_the_merit_xlsx_opens_with_openpyxl_and_holds_no_formula(rw: ResultsWorld, downloads: dict) -> None:
    files_view(rw)
    book = openpyxl.load_workbook(io.BytesIO(one(downloads, "-merit-en.xlsx")))
    sheet = book["Merit view"]
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    # XLSX keeps the name as typed, as a quote-prefixed text cell (no visible apostrophe); CSV adds one.
    assert [c.quotePrefix for c in cells if c.value == FORMULA_NAME] == [True]
    assert "aid, not a decision" in str(book["About"]["A1"].value)


@pytest.mark.parametrize("suffix", ["-scores-en.csv", "-scores-en.xlsx"])
def test_the_raw_scores_round_trip_with_their_notes_neutralised(rw: ResultsWorld, downloads: dict, suffix: str) -> None:
    files_view(rw)
    data = one(downloads, suffix)
    if suffix.endswith(".csv"):
        assert data.startswith("\ufeff".encode())
        frame = pd.read_csv(io.BytesIO(data), encoding=CSV_ENCODING)
    else:
        frame = pd.read_excel(io.BytesIO(data))
    quote = "'" if suffix.endswith(".csv") else ""  # XLSX: a quote-prefixed text cell instead (test_exports.py)
    assert len(frame) == 7 * 4  # seven submitted scorecards of four scores each
    assert set(frame["Evidence notes"]) == {SCRIPT_NOTE, quote + FORMULA_NOTE, "Evidence noted during the interview."}
    assert quote + FORMULA_NAME in set(frame["Name"])


def test_anonymised_exports_carry_labels_and_no_names(rw: ResultsWorld, downloads: dict) -> None:
    files_view(rw, anonymised=True)
    for suffix in ("-merit-anonymised-en.csv", "-scores-anonymised-en.csv"):
        text = one(downloads, suffix).decode(CSV_ENCODING)
        assert "Candidate 01" in text
        for name in ("Ana Northwind", "Cy Lakeshore", "Dée Fortin", "HYPERLINK"):
            assert name not in text, (suffix, name)


def test_the_record_and_feedback_download_escape_what_people_typed(rw: ResultsWorld, downloads: dict) -> None:
    at = files_view(rw)
    at.selectbox(key="results_report_candidate").set_value(rw.ids["ana"]).run()
    assert_no_exception(at)
    record = one(downloads, "candidate-01-record-en.html").decode("utf-8")
    assert "Record of decision" in record
    assert "&lt;script&gt;alert(" in record and "<script>" not in record
    assert "Charlie Chair" in record
    feedback = one(downloads, "candidate-01-feedback-en.html").decode("utf-8")
    assert "Charlie Chair" not in feedback and "Mika Member" not in feedback
    assert "Cy Lakeshore" not in feedback  # nothing about other candidates


def test_the_feedback_summary_defaults_to_the_language_the_candidate_chose(
    rw: ResultsWorld, app_engine: Engine, downloads: dict
) -> None:
    """Issue #21 §5: on an English page, a candidate who chose French gets a French summary unless asked."""
    with write_session(app_engine) as session:
        session.get(Candidate, rw.ids["ana"]).language = Lang.fr
    at = files_view(rw)
    at.selectbox(key="results_report_candidate").set_value(rw.ids["ana"]).run()
    assert_no_exception(at)
    assert at.radio(key=f"results_feedback_lang_{rw.ids['ana']}").value == "fr"
    assert at.radio(key=f"results_record_lang_{rw.ids['ana']}").value == "en"  # the record: the page's language
    feedback = one(downloads, "candidature-01-feedback-fr.html").decode("utf-8")
    assert '<html lang="fr">' in feedback and "Résumé pour la discussion informelle" in feedback
    assert "Compte rendu" not in one(downloads, "candidate-01-record-en.html").decode("utf-8")
    assert any(h.proto.body.startswith('<div lang="fr">') for h in at.get("html"))
    # The other language on request, for each document.
    at.radio(key=f"results_feedback_lang_{rw.ids['ana']}").set_value("en").run()
    at.radio(key=f"results_record_lang_{rw.ids['ana']}").set_value("fr").run()
    assert_no_exception(at)
    assert "Feedback summary" in one(downloads, "candidate-01-feedback-en.html").decode("utf-8")
    assert "Compte rendu de décision" in one(downloads, "candidature-01-record-fr.html").decode("utf-8")
    # A candidate who chose English, on a French page: the summary is in English.
    at = files_view(rw, lang="fr")
    at.selectbox(key="results_report_candidate").set_value(rw.ids["cy"]).run()
    assert at.radio(key=f"results_feedback_lang_{rw.ids['cy']}").value == "en"
    assert at.radio(key=f"results_record_lang_{rw.ids['cy']}").value == "fr"


def test_the_feedback_preview_is_the_documents_escaped_body(rw: ResultsWorld) -> None:
    at = files_view(rw, lang="fr")
    at.selectbox(key="results_report_candidate").set_value(rw.ids["dee"]).run()
    assert_no_exception(at)
    bodies = [h.proto.body for h in at.html]
    preview = next(b for b in bodies if "tracker-report-preview" in b)
    assert "&lt;b&gt;solid&lt;/b&gt;" in preview and "<b>solid" not in preview  # the rationale, as typed
    assert "<style" not in preview and "<html" not in preview
    assert "Dée Fortin" in preview
    assert "Charlie Chair" not in preview


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ("<html><head><style>body{}</style></head><body><header><h1>T</h1></header><main>x</main></body></html>",
         '<div class="tracker-report-preview"><header><h1>T</h1></header><main>x</main></div>'),
        ("<p>no structure</p>", None),
    ],
)  # fmt: skip
def test_the_preview_keeps_only_the_visible_part(document: str, expected: str | None) -> None:
    assert preview_fragment(document) == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((4.0, "consensus", 3, False, "met", "en"), "✓ 4 (consensus, n=3)"),
        ((3.5, "mean", 2, True, "not_met", "en"), "✗ 3.5 (mean of 2) †"),
        ((3.5, "mean", 2, False, None, "fr"), "3,5 (moyenne de 2)"),
        ((float("nan"), "not_assessed", 0, False, "pending", "en"), "… not assessed"),
        ((float("nan"), "none", 0, False, None, "en"), "—"),
        ((10 / 3, "mean", 3, False, "met", "en"), "✓ 3.33 (mean of 3)"),
    ],
)
def test_a_cell_says_where_its_value_comes_from(args: tuple, expected: str) -> None:
    assert cell_text(*args) == expected


def test_posting_scores_file_gives_the_manager_the_raw_scores(rw: ResultsWorld, app_engine: Engine) -> None:
    data = posting_scores_file(app_engine, rw.world.actor("manager"), posting_id=rw.posting_id, fmt="csv", lang="fr")
    frame = pd.read_csv(io.BytesIO(data), encoding=CSV_ENCODING)
    assert "Notes d'observation" in frame.columns and len(frame) == 28
