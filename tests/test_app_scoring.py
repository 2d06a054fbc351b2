"""My scorecards (issue #4 §7): queue, declaration, autosave, drafts that survive, submit, blind scoring."""

from __future__ import annotations

import time
from typing import Any

import pytest
from app_helpers import assert_no_exception, autosave_boxes, click, new_app, set_language, switch_to, texts, type_into
from factories import World, build_world, make_declaration, make_panel, make_scorecard, rubric_of
from sqlalchemy.engine import Engine
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from app_pages.frame.auth import LAST_SEEN_KEY, USER_ID_KEY
from tracker.db import read_session, write_session
from tracker.i18n import t
from tracker.models import (
    Criterion,
    Declaration,
    Lang,
    Recommendation,
    Role,
    Score,
    Scorecard,
    ScorecardStatus,
    User,
)
from tracker.services import scoring
from tracker.services.actor import Actor

pytest_plugins = ["app_helpers"]


def scoring_app(user_id: int, *, candidate_id: int | None = None, lang: str = "en") -> AppTest:
    """A new browser session on My scorecards; ``candidate_id`` as a reload keeps it in the URL."""
    at = new_app(lang=lang)
    at.session_state[USER_ID_KEY] = user_id
    at.session_state[LAST_SEEN_KEY] = time.time()
    if candidate_id is not None:
        at.query_params["candidate"] = str(candidate_id)
    at.run()
    switch_to(at, "scoring")
    assert_no_exception(at)
    return at


def declared(engine: Engine, world: World, *users: User) -> None:
    with write_session(engine) as session:
        for candidate in world.candidates:
            for user in users:
                make_declaration(session, candidate=candidate, user=user)


def card_of(engine: Engine, candidate_id: int, user_id: int) -> Scorecard | None:
    with read_session(engine) as session:
        card = session.exec(
            select(Scorecard).where(Scorecard.candidate_id == candidate_id, Scorecard.interviewer_id == user_id)
        ).first()
        session.expunge_all()  # keep the loaded values: read_session rolls back (and so expires) at the end
        return card


def scores_of(engine: Engine, card_id: int) -> dict[int, Score]:
    """Scores by criterion number."""
    with read_session(engine) as session:
        rows = session.exec(
            select(Score, Criterion).join(Criterion, Criterion.id == Score.criterion_id).where(Score.scorecard_id == card_id)
        ).all()
        session.expunge_all()
        return {criterion.number: score for score, criterion in rows}


def rating_keys(at: AppTest) -> list[str]:
    return [r.key for r in at.radio if r.key and r.key.startswith("score_rating_")]


def notes_keys(at: AppTest) -> list[str]:
    return [key for key in autosave_boxes(at) if key.startswith("score_notes_")]


def notes_text(at: AppTest, key: str) -> str:
    return str(autosave_boxes(at)[key]["text"])


def rate(at: AppTest, index: int, value: Any) -> AppTest:
    return at.radio(key=rating_keys(at)[index]).set_value(value).run()


def note(at: AppTest, index: int, text: str) -> AppTest:
    return type_into(at, notes_keys(at)[index], text)


def fill_everything(at: AppTest, ratings: list[int]) -> AppTest:
    for i, value in enumerate(ratings):
        rate(at, i, value)
        note(at, i, f"Evidence {i + 1}")
    return at


# --- who sees what ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_page_renders_for_each_role(app_engine: Engine, role: Role) -> None:
    world = build_world(app_engine)
    user = {Role.admin: world.admin, Role.manager: world.manager, Role.interviewer: world.chair}[role]
    if role == Role.manager:
        with write_session(app_engine) as session:
            make_panel(session, posting=world.other_posting, members=[world.manager])
    at = scoring_app(user.id or 0)
    assert [t.value for t in at.title] == ["My scorecards"]
    if role == Role.admin:
        assert "You have no candidates to score" in texts(at)
    else:
        assert "Candidate 01" in texts(at)


def test_queue_lists_only_the_candidates_of_the_users_panels(app_engine: Engine) -> None:
    world = build_world(app_engine)
    at = scoring_app(world.chair.id or 0)
    options = next(box for box in at.selectbox if box.label == "Candidate to score").options
    assert len(options) == len(world.candidates)
    names = {c.name for c in world.candidates}
    assert all(any(name in option for name in names) for option in options)
    assert not any(other.name in " ".join(options) for other in world.other_candidates)
    outsider = scoring_app(world.outsider.id or 0)
    assert "You have no candidates to score" in texts(outsider)


def test_a_candidate_of_another_posting_in_the_url_is_not_opened(app_engine: Engine) -> None:
    """A typed ``?candidate=`` only picks among the user's own queue; the services refuse the rest."""
    world = build_world(app_engine)
    stranger = world.other_candidates[0]
    at = scoring_app(world.chair.id or 0, candidate_id=stranger.id)
    assert stranger.name not in texts(at)
    assert at.query_params["candidate"] == str(world.candidates[0].id)
    assert card_of(app_engine, stranger.id or 0, world.chair.id or 0) is None


def test_queue_shows_progress_per_candidate_and_overall(app_engine: Engine) -> None:
    world = build_world(app_engine)
    with write_session(app_engine) as session:
        make_scorecard(session, candidate=world.candidates[0], interviewer=world.chair, ratings=[3, 4, 5],
                       status=ScorecardStatus.submitted)  # fmt: skip
        make_scorecard(session, candidate=world.candidates[1], interviewer=world.chair, ratings=[2])
    at = scoring_app(world.chair.id or 0)
    frame_rows = at.dataframe[0].value
    assert list(frame_rows["Rated"]) == ["3 / 3", "1 / 3"]
    assert list(frame_rows["Status"]) == ["Submitted", "Draft"]
    assert at.get("progress")[0].proto.text == "1 of 2 scorecards submitted"


# --- the declaration --------------------------------------------------------------------------------


def test_declaring_no_conflict_opens_the_scorecard(app_engine: Engine) -> None:
    world = build_world(app_engine)
    candidate = world.candidates[0]
    at = scoring_app(world.chair.id or 0, candidate_id=candidate.id)
    assert not rating_keys(at), "no scoring before the declaration"
    at.radio(key=f"declaration_conflict_{candidate.id}").set_value(False)
    click(at, "Save my declaration")
    assert_no_exception(at)
    with read_session(app_engine) as session:
        declaration = session.exec(select(Declaration).where(Declaration.candidate_id == candidate.id)).one()
        assert (declaration.has_conflict, declaration.language) == (False, Lang.en)
    assert card_of(app_engine, candidate.id or 0, world.chair.id or 0) is not None
    assert len(rating_keys(at)) == 3


def test_declaring_a_conflict_takes_the_member_off_that_candidate(app_engine: Engine) -> None:
    world = build_world(app_engine)
    candidate = world.candidates[0]
    at = scoring_app(world.member.id or 0, candidate_id=candidate.id)
    at.radio(key=f"declaration_conflict_{candidate.id}").set_value(True)
    at.text_area(key=f"declaration_note_{candidate.id}").input("Former colleague")
    click(at, "Save my declaration")
    assert "Conflict of interest declared: you are off the panel for Candidate 01." in texts(at)
    assert "you are off their panel" in texts(at)
    assert not rating_keys(at)
    assert card_of(app_engine, candidate.id or 0, world.member.id or 0) is None
    with read_session(app_engine) as session:
        assert session.exec(select(Declaration).where(Declaration.candidate_id == candidate.id)).one().has_conflict


def test_declaring_another_language_than_the_candidates_choice_is_refused(app_engine: Engine) -> None:
    world = build_world(app_engine)
    candidate = world.candidates[0]
    at = scoring_app(world.chair.id or 0, candidate_id=candidate.id)
    at.radio(key=f"declaration_conflict_{candidate.id}").set_value(False)
    at.radio(key=f"declaration_language_{candidate.id}").set_value(Lang.fr)
    click(at, "Save my declaration")
    assert "Candidate 01 chose English for the assessment: declare English" in at.error[0].value
    with read_session(app_engine) as session:
        assert session.exec(select(Declaration)).all() == []


def test_declaration_must_answer_the_conflict_question(app_engine: Engine) -> None:
    world = build_world(app_engine)
    at = scoring_app(world.chair.id or 0)
    click(at, "Save my declaration")
    assert "Say whether you have a conflict of interest" in at.error[0].value


# --- autosave and drafts that come back -------------------------------------------------------------


def test_a_rating_and_a_note_are_saved_at_once(app_engine: Engine) -> None:
    world = build_world(app_engine)
    declared(app_engine, world, world.chair)
    at = scoring_app(world.chair.id or 0)
    card = card_of(app_engine, world.candidates[0].id or 0, world.chair.id or 0)
    assert card is not None, "the draft scorecard is opened on first view after the declaration"
    rate(at, 0, 4)
    assert scores_of(app_engine, card.id or 0)[1].rating == 4
    note(at, 0, "Led the redesign of a benefits form; measured completion rates.")
    saved = scores_of(app_engine, card.id or 0)[1]
    assert (saved.rating, saved.notes) == (4, "Led the redesign of a benefits form; measured completion rates.")
    box = autosave_boxes(at)[notes_keys(at)[0]]
    assert (box["status_kind"], box["status"]) == ("saved", f"Saved at {saved.updated_at.strftime('%H:%M:%S')}")
    assert box["ack"] > 0 and box["saved_text"] == saved.notes, "the box is told which send reached the database"
    rate(at, 1, "na")
    second = scores_of(app_engine, card.id or 0)[2]
    assert (second.rating, second.not_assessed) == (None, True)


def test_overall_recommendation_and_notes_are_saved_at_once(app_engine: Engine) -> None:
    world = build_world(app_engine)
    declared(app_engine, world, world.chair)
    at = scoring_app(world.chair.id or 0)
    key = next(s.key for s in at.selectbox if s.key and s.key.startswith("score_recommendation_"))
    at.selectbox(key=key).set_value(Recommendation.yes).run()
    overall = next(key for key in autosave_boxes(at) if key.startswith("score_overall_"))
    type_into(at, overall, "Clear, structured answers.")
    card = card_of(app_engine, world.candidates[0].id or 0, world.chair.id or 0)
    assert card is not None and (card.recommendation, card.overall_notes) == (Recommendation.yes, "Clear, structured answers.")


def test_a_new_session_brings_back_every_rating_and_note(app_engine: Engine) -> None:
    """A reload, a reconnection or another browser: a new session, values from the database."""
    world = build_world(app_engine)
    declared(app_engine, world, world.chair)
    candidate = world.candidates[1]
    at = scoring_app(world.chair.id or 0, candidate_id=candidate.id)
    rate(at, 0, 5)
    note(at, 0, "Première note — with émoji 🙂 and <b>tags</b>")
    rate(at, 2, "na")
    note(at, 1, "Only a note here")

    again = scoring_app(world.chair.id or 0, candidate_id=candidate.id)
    assert "Candidate 02" in texts(again)
    ratings = [again.radio(key=k).value for k in rating_keys(again)]
    notes = [notes_text(again, k) for k in notes_keys(again)]
    assert ratings == [5, None, "na"]
    assert notes == ["Première note — with émoji 🙂 and <b>tags</b>", "Only a note here", ""]


def test_switching_pages_and_back_brings_back_the_values(app_engine: Engine) -> None:
    world = build_world(app_engine)
    declared(app_engine, world, world.chair)
    at = scoring_app(world.chair.id or 0)
    rate(at, 1, 2)
    note(at, 1, "Some evidence")
    key = notes_keys(at)[1]
    switch_to(at, "outstanding")
    switch_to(at, "scoring")
    assert [at.radio(key=k).value for k in rating_keys(at)] == [None, 2, None]
    assert notes_text(at, notes_keys(at)[1]) == "Some evidence"
    assert key in notes_keys(at)


@pytest.mark.parametrize("how", ["next candidate", "another page"])
def test_a_note_sent_with_the_click_that_leaves_the_box_is_saved(app_engine: Engine, how: str) -> None:
    """The box's last send arrives with the click on "Next candidate" (or a page link): that run never
    draws the box, so the button's flush and the router save it."""
    world = build_world(app_engine)
    declared(app_engine, world, world.chair)
    at = scoring_app(world.chair.id or 0)
    card = card_of(app_engine, world.candidates[0].id or 0, world.chair.id or 0)
    key = notes_keys(at)[2]
    args = autosave_boxes(at)[key]
    at.session_state[key] = {"seq": 99, "text": "Typed, then straight to the next candidate",
                             "origin": args["saved_text"], "session": "apptest", "action": "save"}  # fmt: skip
    if how == "another page":
        switch_to(at, "outstanding")
        assert card is not None and scores_of(app_engine, card.id or 0)[3].notes == "Typed, then straight to the next candidate"
        return
    click(at, "Next candidate")
    assert_no_exception(at)
    assert "Candidate 02" in at.subheader[0].value
    assert card is not None and scores_of(app_engine, card.id or 0)[3].notes == "Typed, then straight to the next candidate"


def test_two_sends_typed_over_the_same_origin_are_not_a_conflict(app_engine: Engine) -> None:
    """The box sends again before the first save's answer came back: both sends carry the same origin.
    The database then holds this session's own first send, which is no other window's text."""
    world = build_world(app_engine)
    declared(app_engine, world, world.chair)
    at = scoring_app(world.chair.id or 0)
    rate(at, 0, 3)
    key = notes_keys(at)[0]
    type_into(at, key, "First words", origin="")
    type_into(at, key, "First words, then more", origin="")  # typed over the same origin
    assert autosave_boxes(at)[key]["conflict"] is None
    card = card_of(app_engine, world.candidates[0].id or 0, world.chair.id or 0)
    assert card is not None and scores_of(app_engine, card.id or 0)[1].notes == "First words, then more"


def test_a_save_that_meets_a_newer_version_reloads_and_says_changed_elsewhere(app_engine: Engine) -> None:
    world = build_world(app_engine)
    declared(app_engine, world, world.chair)
    at = scoring_app(world.chair.id or 0)
    rate(at, 0, 3)
    card = card_of(app_engine, world.candidates[0].id or 0, world.chair.id or 0)
    assert card is not None
    with write_session(app_engine) as session:  # the same interviewer, in another browser
        criterion_id = scores_of(app_engine, card.id or 0)[1].criterion_id
        scoring.save_draft_score(session, Actor.from_user(world.chair), scorecard_id=card.id or 0,
                                 criterion_id=criterion_id, rating=5, notes="From the laptop")  # fmt: skip
    note(at, 0, "From the tablet")
    # Notes: nothing overwritten; the box keeps "From the tablet" and is shown the other text beside it.
    box = autosave_boxes(at)[notes_keys(at)[0]]
    assert (box["status_kind"], box["conflict"]) == ("conflict", "From the laptop")
    assert scores_of(app_engine, card.id or 0)[1].notes == "From the laptop"
    # "Keep my text": sent over the other text, it is saved (the rating the laptop chose stays).
    type_into(at, notes_keys(at)[0], "From the tablet", origin="From the laptop")
    assert (scores_of(app_engine, card.id or 0)[1].notes, scores_of(app_engine, card.id or 0)[1].rating) == ("From the tablet", 5)
    assert autosave_boxes(at)[notes_keys(at)[0]]["conflict"] is None
    # Ratings: a click that meets a newer version is refused, reloaded and marked.
    with write_session(app_engine) as session:
        scoring.save_draft_score(session, Actor.from_user(world.chair), scorecard_id=card.id or 0,
                                 criterion_id=criterion_id, rating=2, notes="From the tablet")  # fmt: skip
    rate(at, 0, 4)
    assert any("Changed elsewhere — reloaded" in w.value for w in at.warning)
    assert at.radio(key=rating_keys(at)[0]).value == 2


def test_criteria_follow_the_language_and_a_fallback_is_marked(app_engine: Engine) -> None:
    world = build_world(app_engine)
    declared(app_engine, world, world.chair)
    with write_session(app_engine) as session:
        criterion = session.exec(
            select(Criterion).where(Criterion.rubric_id == rubric_of(session, world.posting).id, Criterion.number == 2)
        ).one()
        criterion.text_fr = ""
        session.add(criterion)
    at = scoring_app(world.chair.id or 0)
    rate(at, 0, 4)
    set_language(at, "fr")
    assert_no_exception(at)
    shown = texts(at)
    assert "Expérience de la conception de services numériques accessibles" in shown
    # The fallback is in an element of its own declaring English (WCAG 3.1.2), escaped like plain text.
    html_bodies = [element.proto.body for element in at.get("html")]
    assert '<p class="tracker-other-lang" lang="en">Knowledge of plain-language writing</p>' in html_bodies
    assert "Knowledge of plain" not in shown, "shown once, in its lang element"
    assert t("Shown in English: no French text yet", "fr") in shown
    assert [at.radio(key=k).value for k in rating_keys(at)] == [4, None, None], "the rating survives the switch"
    assert "Cote du critère 1" in [r.label for r in at.radio]


def test_a_note_typed_then_a_language_switch_in_the_same_click_keeps_the_rating(app_engine: Engine) -> None:
    world = build_world(app_engine)
    declared(app_engine, world, world.chair)
    at = scoring_app(world.chair.id or 0)
    rate(at, 0, 4)
    args = autosave_boxes(at)[notes_keys(at)[0]]
    at.session_state[notes_keys(at)[0]] = {"seq": 7, "text": "Typed just before switching to French",
                                           "origin": args["saved_text"], "session": "apptest", "action": "save"}  # fmt: skip
    set_language(at, "fr")
    assert_no_exception(at)
    card = card_of(app_engine, world.candidates[0].id or 0, world.chair.id or 0)
    saved = scores_of(app_engine, card.id or 0)[1] if card else None
    assert saved is not None and (saved.rating, saved.notes) == (4, "Typed just before switching to French")
    assert at.radio(key=rating_keys(at)[0]).value == 4


def test_each_level_shows_its_descriptor_and_the_criterions_rating_guide_replaces_it(app_engine: Engine) -> None:
    world = build_world(app_engine)
    declared(app_engine, world, world.chair)
    with write_session(app_engine) as session:
        criterion = session.exec(
            select(Criterion).where(Criterion.rubric_id == rubric_of(session, world.posting).id, Criterion.number == 1)
        ).one()
        criterion.descriptors_json = '{"4": {"en": "Gave two audited examples", "fr": "A donné deux exemples vérifiés"}}'
        session.add(criterion)
    at = scoring_app(world.chair.id or 0)
    first, second = (at.radio(key=k).proto for k in rating_keys(at)[:2])
    assert list(first.options)[3] == "4 · Strong" and list(first.options)[5] == "Not assessed"
    assert list(first.captions)[3] == "Gave two audited examples"
    assert list(second.captions)[3] == "Exceeds the criterion\\: detailed, relevant examples with results\\."
    assert "This criterion has its own rating guide" in texts(at)


# --- submitting -------------------------------------------------------------------------------------


def test_submit_with_missing_ratings_lists_them_and_keeps_the_draft(app_engine: Engine) -> None:
    world = build_world(app_engine)
    declared(app_engine, world, world.chair)
    at = scoring_app(world.chair.id or 0)
    rate(at, 1, 3)
    click(at, "Submit scorecard")
    assert "before submitting: 1, 3." in at.error[0].value
    card = card_of(app_engine, world.candidates[0].id or 0, world.chair.id or 0)
    assert card is not None and card.status == ScorecardStatus.draft


def test_submit_makes_the_scorecard_read_only(app_engine: Engine) -> None:
    world = build_world(app_engine)
    declared(app_engine, world, world.chair)
    at = fill_everything(scoring_app(world.chair.id or 0), [3, 4, 2])
    click(at, "Submit scorecard")
    assert_no_exception(at)
    card = card_of(app_engine, world.candidates[0].id or 0, world.chair.id or 0)
    assert card is not None and card.status == ScorecardStatus.submitted
    assert "Scorecard for Candidate 01 submitted. It is now read-only." in texts(at)
    assert not rating_keys(at) and not notes_keys(at), "no editable widget is left"
    assert "Rating: **4 · Strong**" in texts(at)
    assert "Evidence 2" in texts(at)


def test_reopened_scorecard_asks_for_a_reason_on_resubmit(app_engine: Engine) -> None:
    world = build_world(app_engine)
    with write_session(app_engine) as session:
        card = make_scorecard(session, candidate=world.candidates[0], interviewer=world.member, ratings=[3, 3, 3],
                              status=ScorecardStatus.submitted)  # fmt: skip
        scoring.reopen_scorecard(session, Actor.from_user(world.chair), scorecard_id=card.id or 0,
                                 reason="Criterion 2 needs evidence")  # fmt: skip
    at = scoring_app(world.member.id or 0)
    assert any("Reason given: Criterion 2 needs evidence" in w.value for w in at.warning)
    rate(at, 1, 4)
    click(at, "Submit scorecard")
    assert "Say why you changed your scorecard" in at.error[0].value
    at.text_input(key=f"score_reason_{card.id}").input("Found the example in my notes")
    click(at, "Submit scorecard")
    assert_no_exception(at)
    with read_session(app_engine) as session:
        assert session.get(Scorecard, card.id).status == ScorecardStatus.submitted


def test_blind_scoring_hides_colleagues_until_the_own_scorecard_is_submitted(app_engine: Engine) -> None:
    world = build_world(app_engine)
    secret = "Colleague private evidence 42"  # no Markdown-special character: shown unescaped
    with write_session(app_engine) as session:
        make_scorecard(session, candidate=world.candidates[0], interviewer=world.member, ratings=[5, 5, 5],
                       notes=secret, status=ScorecardStatus.submitted)  # fmt: skip
    declared(app_engine, world, world.chair)
    at = scoring_app(world.chair.id or 0)
    assert secret not in texts(at)
    assert "Blind scoring: you will see your colleagues' scorecards" in texts(at)
    fill_everything(at, [2, 3, 4])
    assert secret not in texts(at)
    click(at, "Submit scorecard")
    assert "Colleagues' scorecards" in texts(at)
    assert secret in texts(at)
    assert [e.label for e in at.expander if "Mika" in e.label] == ["Mika Member"]


def test_a_colleagues_draft_stays_hidden_after_submitting(app_engine: Engine) -> None:
    world = build_world(app_engine)
    with write_session(app_engine) as session:
        make_scorecard(session, candidate=world.candidates[0], interviewer=world.member, ratings=[1], notes="Draft only")
        make_scorecard(session, candidate=world.candidates[0], interviewer=world.chair, ratings=[3, 3, 3],
                       status=ScorecardStatus.submitted)  # fmt: skip
    at = scoring_app(world.chair.id or 0, candidate_id=world.candidates[0].id)
    assert "Draft only" not in texts(at)
    assert "No colleague has submitted a scorecard for this candidate yet." in texts(at)
