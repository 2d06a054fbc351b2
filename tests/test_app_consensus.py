"""Consensus (issue #4 §8): the chair sees every rating and note once all submitted, and records the agreed one."""

from __future__ import annotations

import pytest
from app_helpers import assert_no_exception, autosave_boxes, signed_in, texts, type_into
from factories import World, build_world, make_declaration, make_scorecard
from sqlalchemy.engine import Engine
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from tracker.db import read_session, write_session
from tracker.models import Consensus, Justification, Role, Scorecard, ScorecardStatus, TextDraft, User

pytest_plugins = ["app_helpers"]


def submitted(engine: Engine, world: World, ratings: dict[str, list[int | None]], candidate: int = 0) -> None:
    with write_session(engine) as session:
        for name, values in ratings.items():
            user = getattr(world, name)
            make_scorecard(session, candidate=world.candidates[candidate], interviewer=user, ratings=values,
                           notes=f"Notes of {user.display_name}", status=ScorecardStatus.submitted)  # fmt: skip


def consensus_app(user: User) -> AppTest:
    at = signed_in(user.id or 0, page="consensus")
    assert_no_exception(at)
    return at


def consensus_rows(engine: Engine) -> list[tuple[int, int | None, bool, str]]:
    with read_session(engine) as session:
        rows = session.exec(select(Consensus).order_by(Consensus.criterion_id)).all()
        return [(c.criterion_id, c.rating, c.not_assessed, c.rationale) for c in rows]


def form_keys(at: AppTest, suffix: str) -> list[str]:
    keys = [w.key for w in at.radio if w.key] + list(autosave_boxes(at))
    return [key for key in keys if key.startswith("consensus_") and key.endswith(suffix)]


def record(
    at: AppTest, index: int, rating: int | str, rationale: str = "", justification: str | None = None, below_min: str = ""
) -> AppTest:
    at.radio(key=form_keys(at, "_rating")[index]).set_value(rating)
    if rationale:
        type_into(at, form_keys(at, "_rationale")[index], rationale)  # the box saves it as a draft while typing
    if justification:
        keys = [w.key for w in at.selectbox if w.key and w.key.endswith("_justification")]
        at.selectbox(key=keys[index]).set_value(Justification(justification))
    if below_min:
        keys = [w.key for w in at.text_input if w.key and w.key.endswith("_below_min")]
        at.text_input(key=keys[index]).input(below_min)
    buttons = [b for b in at.button if b.label.startswith("Record consensus for criterion")]
    return buttons[index].click().run()


@pytest.mark.parametrize("who", ["admin", "manager", "chair"])
def test_page_renders_the_board_for_those_who_run_it(app_engine: Engine, who: str) -> None:
    world = build_world(app_engine)
    submitted(app_engine, world, {"chair": [3, 4, 2], "member": [4, 4, 4]})
    at = consensus_app(getattr(world, who))
    assert [t.value for t in at.title] == ["Consensus"]
    if who == "admin":  # every posting is listed; the one with the panel is chosen here
        at.selectbox(key="consensus_posting").set_value(world.posting.id).run()
    assert "Notes of Mika Member" in texts(at)
    assert len(form_keys(at, "_rating")) == 3


def test_a_panel_member_who_is_not_chair_is_told_who_runs_it(app_engine: Engine) -> None:
    world = build_world(app_engine)
    submitted(app_engine, world, {"chair": [3, 4, 2], "member": [4, 4, 4]})
    at = consensus_app(world.member)
    assert "The chair of this panel (Charlie Chair) or its hiring manager records the consensus." in texts(at)
    assert "Notes of Charlie Chair" not in texts(at)
    assert not form_keys(at, "_rating")


def test_an_interviewer_on_no_panel_has_no_posting_to_choose(app_engine: Engine) -> None:
    world = build_world(app_engine)
    at = consensus_app(world.outsider)
    assert "You do not chair a panel or manage a posting yet" in texts(at)


def test_another_managers_posting_is_not_offered(app_engine: Engine) -> None:
    world = build_world(app_engine)
    at = consensus_app(world.other_manager)
    assert at.selectbox(key="consensus_posting").options == [world.other_posting.title_en]


def test_before_everyone_submitted_the_board_says_who_is_missing(app_engine: Engine) -> None:
    world = build_world(app_engine)
    submitted(app_engine, world, {"chair": [3, 4, 2]})
    at = consensus_app(world.chair)
    assert "Still waiting for: Mika Member." in texts(at)
    assert "Notes of Charlie Chair" not in texts(at)
    assert not form_keys(at, "_rating")


def test_a_conflicted_member_is_not_waited_for(app_engine: Engine) -> None:
    world = build_world(app_engine)
    submitted(app_engine, world, {"chair": [3, 4, 2]})
    with write_session(app_engine) as session:
        make_declaration(session, candidate=world.candidates[0], user=world.member, has_conflict=True)
    at = consensus_app(world.chair)
    assert "Still waiting for" not in texts(at)
    assert len(form_keys(at, "_rating")) == 3


def test_board_shows_every_rating_and_note_and_flags_a_wide_spread(app_engine: Engine) -> None:
    world = build_world(app_engine)
    submitted(app_engine, world, {"chair": [2, 4, 3], "member": [4, 4, None]})
    at = consensus_app(world.chair)
    shown = texts(at)
    assert "**Charlie Chair**: 2 · Limited" in shown
    assert "**Mika Member**: 4 · Strong" in shown
    assert "**Mika Member**: Not assessed" in shown
    assert "Notes of Mika Member" in shown
    warnings = [w.value for w in at.warning]
    assert warnings == ["Spread of 2 points (2–4): discuss it before agreeing."]
    assert "Spread: 0 (4–4)" in shown


def test_recording_a_consensus_every_member_gave_saves_it_without_rationale(app_engine: Engine) -> None:
    world = build_world(app_engine)
    submitted(app_engine, world, {"chair": [3, 4, 3], "member": [3, 4, 3]})
    at = consensus_app(world.chair)
    record(at, 0, 3)
    assert_no_exception(at)
    assert "Consensus recorded for criterion 1." in texts(at)
    rows = consensus_rows(app_engine)
    assert [(rating, not_assessed) for _, rating, not_assessed, _ in rows] == [(3, False)]
    assert "Consensus recorded: **3 · Acceptable**" in texts(at)


def test_a_consensus_that_differs_from_a_rating_needs_a_rationale(app_engine: Engine) -> None:
    world = build_world(app_engine)
    submitted(app_engine, world, {"chair": [2, 4, 3], "member": [4, 4, 3]})
    at = consensus_app(world.chair)
    record(at, 0, 3)
    assert "differs from a panel member" in at.error[0].value and r"\(2, 4\)" in at.error[0].value
    assert consensus_rows(app_engine) == []
    record(at, 0, 3, rationale="Between the two readings of answer 3.")
    assert [row[1:] for row in consensus_rows(app_engine)] == [(3, False, "Between the two readings of answer 3.")]


def test_an_unmet_essential_needs_a_justification_from_the_list(app_engine: Engine) -> None:
    world = build_world(app_engine)
    submitted(app_engine, world, {"chair": [2, 4, 3], "member": [2, 4, 3]})
    at = consensus_app(world.chair)
    record(at, 0, 2)
    assert "choose the justification" in at.error[0].value
    assert consensus_rows(app_engine) == []
    record(at, 0, 2, rationale="No example of an accessible service.", justification="insufficiently_demonstrated")
    with read_session(app_engine) as session:
        row = session.exec(select(Consensus.rating, Consensus.justification)).one()
    assert tuple(row) == (2, "insufficiently_demonstrated")
    assert "Justification: **insufficiently demonstrated**" in texts(at)


def test_the_services_refusal_is_shown_beside_the_criterion(app_engine: Engine) -> None:
    world = build_world(app_engine)
    submitted(app_engine, world, {"chair": [2, 4, 3], "member": [4, 4, 3]})
    at = consensus_app(world.chair)
    record(at, 2, "na")
    assert "Panel members rated criterion 3; explain why the board marks it “not assessed”" in at.error[0].value
    assert consensus_rows(app_engine) == []
    record(at, 2, "na", rationale="The question was not asked in the same way to both.", justification="not_assessed")
    assert [row[1:3] for row in consensus_rows(app_engine)] == [(None, True)]


def test_the_manager_runs_the_consensus_when_the_chair_is_conflicted(app_engine: Engine) -> None:
    world = build_world(app_engine)
    submitted(app_engine, world, {"member": [3, 3, 3]})
    with write_session(app_engine) as session:
        make_declaration(session, candidate=world.candidates[0], user=world.chair, has_conflict=True)
    chair = consensus_app(world.chair)
    options = chair.selectbox(key=f"consensus_candidate_{world.posting.id}").options
    assert not any(option.startswith("Candidate 01") for option in options), "not offered to the conflicted chair"
    manager = consensus_app(world.manager)
    record(manager, 2, 3)
    assert "needs ratings from 2 panel members and has 1" in manager.error[0].value
    record(manager, 2, 3, below_min="The chair is conflicted; the board has one assessor for this candidate.")
    assert len(consensus_rows(app_engine)) == 1
    assert "Agreed with fewer ratings than the minimum, because:" in texts(manager)


def test_the_chair_reopens_a_scorecard_with_a_reason(app_engine: Engine) -> None:
    world = build_world(app_engine)
    submitted(app_engine, world, {"chair": [2, 4, 3], "member": [4, 4, 3]})
    at = consensus_app(world.chair)
    cards = {c.interviewer_id: c.id for c in _cards(app_engine)}
    at.selectbox(key=f"reopen_card_{world.candidates[0].id}").set_value(cards[world.member.id]).run()
    key = f"reopen_reason_{world.candidates[0].id}_{cards[world.member.id]}"
    [b for b in at.button if b.label == "Reopen"][0].click().run()
    assert "Give the reason for reopening" in at.error[0].value
    type_into(at, key, "Criterion 3 was scored")  # saved as the chair's draft while typing (issue #18)
    assert [text for _, text in drafts_in_db(app_engine)] == ["Criterion 3 was scored"]
    reloaded = consensus_app(world.chair)
    reloaded.selectbox(key=f"reopen_card_{world.candidates[0].id}").set_value(cards[world.member.id]).run()
    assert autosave_boxes(reloaded)[key]["text"] == "Criterion 3 was scored", "a reload keeps it"
    at.session_state[key] = {"seq": 99, "text": "Criterion 3 was scored on the wrong answer",
                             "origin": "Criterion 3 was scored", "session": "apptest", "action": "save"}  # fmt: skip
    [b for b in at.button if b.label == "Reopen"][0].click().run()
    assert_no_exception(at)
    assert drafts_in_db(app_engine) == [], "reopened: the draft is gone"
    reopened = {c.interviewer_id: c for c in _cards(app_engine)}[world.member.id]
    assert (reopened.status, reopened.reopen_reason) == (ScorecardStatus.draft, "Criterion 3 was scored on the wrong answer")
    assert "Still waiting for: Mika Member." in texts(at)


def _cards(engine: Engine) -> list[Scorecard]:
    with read_session(engine) as session:
        cards = list(session.exec(select(Scorecard)).all())
        session.expunge_all()
        return cards


@pytest.mark.parametrize("role", list(Role))
def test_page_opens_for_every_role_without_a_posting(app_engine: Engine, role: Role) -> None:
    from factories import make_user

    with write_session(app_engine) as session:
        user = make_user(session, role=role)
    at = consensus_app(user)
    assert [t.value for t in at.title] == ["Consensus"]


def drafts_in_db(engine: Engine) -> list[tuple[int, str]]:
    with read_session(engine) as session:
        return [(d.subject_id, d.text) for d in session.exec(select(TextDraft)).all()]


def test_a_rationale_is_saved_as_a_draft_while_typing_and_comes_back_until_recorded(app_engine: Engine) -> None:
    """Issue #18: the rationale is in the database before "Record" (a reload, a closed tab or a restart
    loses nothing); a new session shows it in the box; recording it deletes the draft."""
    world = build_world(app_engine)
    submitted(app_engine, world, {"chair": [3, 4, 2], "member": [4, 4, 4]})
    at = consensus_app(world.chair)
    key = form_keys(at, "_rationale")[0]
    type_into(at, key, "Between the two readings")
    box = autosave_boxes(at)[key]
    assert box["status_kind"] == "saved" and box["status"].startswith("Saved at ")
    assert [text for _, text in drafts_in_db(app_engine)] == ["Between the two readings"]
    assert consensus_rows(app_engine) == [], "a draft is not a consensus"

    again = consensus_app(world.chair)  # a reload: a new session
    assert autosave_boxes(again)[key]["text"] == "Between the two readings"
    assert autosave_boxes(consensus_app(world.manager))[key]["text"] == "", "a draft is its author's alone"
    # Typed on and sent with the click on "Record" (no rerun between): that text is the one recorded.
    args = autosave_boxes(again)[key]
    again.session_state[key] = {"seq": 1, "text": "Between the two readings of answer 3.", "origin": args["saved_text"],
                                "session": "tab", "action": "save"}  # fmt: skip
    again.radio(key=form_keys(again, "_rating")[0]).set_value(3)
    [b for b in again.button if b.label.startswith("Record consensus for criterion")][0].click().run()
    assert_no_exception(again)
    assert [row[1:] for row in consensus_rows(app_engine)] == [(3, False, "Between the two readings of answer 3.")]
    assert drafts_in_db(app_engine) == [], "recorded: the draft is gone"
