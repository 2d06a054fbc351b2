"""The Candidates and panels page (issue #4 §6): add, edit and delete candidates, CSV import with a
preview and row-level errors, the panel and its chair, decisions."""

from __future__ import annotations

import pytest
from app_helpers import assert_no_exception, autosave_boxes, click, page_html, signed_in, texts, type_into
from factories import World, build_world, make_declaration, make_scorecard, make_user
from sqlalchemy.engine import Engine
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from tracker.db import read_session, write_session
from tracker.models import (
    AuditEvent,
    AuditPersonalData,
    Candidate,
    CandidateStatus,
    Decision,
    DecisionOutcome,
    Lang,
    PanelMember,
    Role,
    Scorecard,
    ScorecardStatus,
)

pytest_plugins = ["app_helpers"]

GOOD_CSV = "nom,courriel,langue\nÉlise Fortin,elise.fortin@mail.example,fr\nOwen Park,owen.park@mail.example,en\n".encode()
BAD_CSV = b"name,email\nNadia Haddad,nadia.haddad@mail.example\n=HYPERLINK(\"http://x\"),evil@mail.example\nLi Wei,not-an-email\n"


@pytest.fixture
def world(app_engine: Engine) -> World:
    return build_world(app_engine)


def table_with(at: AppTest, column: str):
    return next(df.value for df in at.dataframe if column in df.value.columns)


def candidates_of(engine: Engine, posting_id: int) -> list[tuple[str, str, str, str]]:
    with read_session(engine) as session:
        rows = session.exec(select(Candidate).where(Candidate.posting_id == posting_id).order_by(Candidate.label_number)).all()
        return [(c.label, c.name, c.email, c.language) for c in rows]


@pytest.mark.parametrize("role", [Role.admin, Role.manager])
def test_candidates_page_lists_the_candidates_of_the_posting(world: World, role: Role) -> None:
    user = world.admin if role == Role.admin else world.manager
    at = signed_in(user.id, page="candidates")
    assert_no_exception(at)
    assert [t.value for t in at.title] == ["Candidates and panels"]
    at.selectbox(key="candidates_posting").set_value(world.posting.id).run()
    listed = table_with(at, "Language of assessment")
    assert list(listed["Label"]) == ["Candidate 01", "Candidate 02"]
    assert list(listed["Name"]) == [c.name for c in world.candidates]
    assert list(listed["Decision"]) == ["—", "—"]


def test_interviewers_are_refused_the_candidates_page(world: World) -> None:
    at = signed_in(world.chair.id, page="candidates")
    assert [t.value for t in at.title] == ["Access refused"]
    assert not at.dataframe


def test_adding_a_candidate(app_engine: Engine, world: World) -> None:
    at = signed_in(world.manager.id, page="candidates")
    at.text_input(key="candidates_add_name").input("Chloé Bérubé-Nakamura")
    at.text_input(key="candidates_add_email").input("Chloe.Berube@mail.example")
    at.selectbox(key="candidates_add_language").set_value(Lang.fr)
    at = click(at, "Add the candidate")
    assert_no_exception(at)
    assert "Candidate 03 added: Chloé Bérubé\\-Nakamura." in texts(at)
    assert candidates_of(app_engine, world.posting.id)[-1] == (
        "Candidate 03", "Chloé Bérubé-Nakamura", "chloe.berube@mail.example", "fr",
    )


def test_a_bad_e_mail_is_refused_with_the_reason(app_engine: Engine, world: World) -> None:
    at = signed_in(world.manager.id, page="candidates")
    at.text_input(key="candidates_add_name").input("Sam Rivers")
    at.text_input(key="candidates_add_email").input("sam at mail")
    at = click(at, "Add the candidate")
    assert "is not an e\\-mail address" in at.error[0].value
    assert len(candidates_of(app_engine, world.posting.id)) == 2


def test_editing_a_candidate_status_and_language(app_engine: Engine, world: World) -> None:
    target = world.candidates[1]
    at = signed_in(world.manager.id, page="candidates")
    at.selectbox(key="candidates_edit_choice").set_value(target.id).run()
    key = f"{target.id}_{target.version}"
    at.selectbox(key=f"candidates_edit_status_{key}").set_value(CandidateStatus.withdrawn)
    at.selectbox(key=f"candidates_edit_language_{key}").set_value(Lang.fr)
    at = click(at, "Save the candidate")
    assert_no_exception(at)
    assert "Candidate 02 is saved." in texts(at)
    with read_session(app_engine) as session:
        row = session.get(Candidate, target.id)
        assert (row.status, row.language, row.version) == (CandidateStatus.withdrawn, Lang.fr, 2)


def test_deleting_a_candidate_asks_first_then_removes_everything_personal(app_engine: Engine, world: World) -> None:
    target = world.candidates[0]
    with write_session(app_engine) as session:
        make_scorecard(session, candidate=session.get(Candidate, target.id), interviewer=session.get(type(world.chair), world.chair.id))
    at = signed_in(world.manager.id, page="candidates")
    at.selectbox(key="candidates_edit_choice").set_value(target.id).run()
    at = click(at, "Delete this candidate's personal information…")
    assert "every panel member's scorecard: ratings, evidence notes and recommendations;" in texts(at)
    at = click(at, "Cancel")
    assert len(candidates_of(app_engine, world.posting.id)) == 2
    assert "candidates_delete_confirm" not in [b.key for b in at.button]

    at = click(at, "Delete this candidate's personal information…")
    at = click(at, "Delete permanently")
    assert_no_exception(at)
    assert "The personal information of Candidate 01 is deleted." in texts(at)
    assert [row[0] for row in candidates_of(app_engine, world.posting.id)] == ["Candidate 02"]
    with read_session(app_engine) as session:
        assert session.exec(select(Scorecard).where(Scorecard.candidate_id == target.id)).all() == []
        assert session.exec(select(AuditPersonalData).where(AuditPersonalData.candidate_id == target.id)).all() == []
        deletion = session.exec(select(AuditEvent).where(AuditEvent.action == "candidate.delete")).one()
        assert (deletion.candidate_label, deletion.actor_id) == ("Candidate 01", world.manager.id)


def test_csv_preview_lists_row_errors_and_imports_nothing(app_engine: Engine, world: World) -> None:
    at = signed_in(world.manager.id, page="candidates")
    at.file_uploader(key="candidates_csv_0").set_value(("candidates.csv", BAD_CSV, "text/csv")).run()
    assert_no_exception(at)
    problems = table_with(at, "Problem")
    assert list(problems["Line"]) == [3, 4]
    assert "spreadsheet would run as a formula" in problems["Problem"][0]
    assert "not an e-mail address" in problems["Problem"][1]
    assert "2 problems in the file. Nothing is imported while the file has problems" in texts(at)
    assert "candidates_csv_import" not in [b.key for b in at.button]
    assert len(candidates_of(app_engine, world.posting.id)) == 2


def test_a_valid_csv_is_previewed_then_imported(app_engine: Engine, world: World) -> None:
    at = signed_in(world.manager.id, page="candidates")
    at.file_uploader(key="candidates_csv_0").set_value(("candidats.csv", GOOD_CSV, "text/csv")).run()
    preview = table_with(at, "Line")
    assert list(preview["Name"]) == ["Élise Fortin", "Owen Park"]
    assert list(preview["Language of assessment"]) == ["French", "English"]
    assert len(candidates_of(app_engine, world.posting.id)) == 2  # a preview writes nothing
    at = click(at, "Import 2 candidates")
    assert_no_exception(at)
    assert "2 candidates imported." in texts(at)
    assert candidates_of(app_engine, world.posting.id)[2:] == [
        ("Candidate 03", "Élise Fortin", "elise.fortin@mail.example", "fr"),
        ("Candidate 04", "Owen Park", "owen.park@mail.example", "en"),
    ]
    assert not at.file_uploader(key="candidates_csv_1").value  # emptied: the same file cannot be imported twice


def test_the_csv_template_is_offered_for_download(world: World) -> None:
    at = signed_in(world.manager.id, page="candidates")
    assert "candidates_template" in [b.key for b in at.get("download_button")]


def test_setting_the_panel_and_its_chair(app_engine: Engine, world: World) -> None:
    with write_session(app_engine) as session:
        newcomer = make_user(session, role=Role.interviewer, display_name="Nour Newcomer")
        make_user(session, role=Role.interviewer, display_name="Ivy Inactive", active=False)
        newcomer_id = newcomer.id
    at = signed_in(world.manager.id, page="candidates")
    members = at.multiselect(key=f"candidates_panel_members_{world.posting.id}")
    offered = list(members.options)  # AppTest lists the options as shown
    assert not any("Ivy Inactive" in o or "Ada Admin" in o for o in offered)
    members.set_value([world.member.id, newcomer_id]).run()
    chair = next(s for s in at.selectbox if s.label == "Chair")
    chair.set_value(newcomer_id)
    at = click(at, "Save the panel")
    assert_no_exception(at)
    assert "The panel is saved: 2 members." in texts(at)
    with read_session(app_engine) as session:
        rows = session.exec(select(PanelMember).where(PanelMember.posting_id == world.posting.id)).all()
        assert {(m.user_id, m.is_chair) for m in rows} == {(world.member.id, False), (newcomer_id, True)}


def sent_with_the_click(at: AppTest, key: str, text: str) -> None:
    """The autosaved box's last send, arriving with the click on "Record the decision" (no rerun between)."""
    args = autosave_boxes(at)[key]
    at.session_state[key] = {"seq": 1, "text": text, "origin": args["saved_text"], "session": "tab", "action": "save"}


def test_a_decision_rationale_is_kept_as_a_draft_while_typing_until_recorded(app_engine: Engine, world: World) -> None:
    """Issue #18: the manager's rationale is in the database before "Record the decision"; a reload shows it."""
    from tracker.models import TextDraft

    target = world.candidates[0]
    with write_session(app_engine) as session:
        for user in (world.chair, world.member):
            make_scorecard(session, candidate=target, interviewer=user, ratings=[4, 4, 4], status=ScorecardStatus.submitted)
    at = signed_in(world.manager.id, page="candidates")
    at.selectbox(key="candidates_decision_choice").set_value(target.id).run()
    key = f"candidates_rationale_{target.id}_0"
    type_into(at, key, "Met every essential")
    assert autosave_boxes(at)[key]["status"].startswith("Saved at ")
    with read_session(app_engine) as session:
        assert [d.text for d in session.exec(select(TextDraft)).all()] == ["Met every essential"]
    again = signed_in(world.manager.id, page="candidates")  # a reload
    again.selectbox(key="candidates_decision_choice").set_value(target.id).run()
    assert autosave_boxes(again)[key]["text"] == "Met every essential"
    again.selectbox(key=f"candidates_outcome_{target.id}_0").set_value(DecisionOutcome.qualified)
    sent_with_the_click(again, key, "Met every essential criterion at consensus.")
    again = click(again, "Record the decision")
    assert_no_exception(again)
    with read_session(app_engine) as session:
        assert session.exec(select(Decision.rationale)).one() == "Met every essential criterion at consensus."
        assert session.exec(select(TextDraft)).all() == [], "recorded: the draft is gone"


def test_recording_a_decision_needs_a_rationale(app_engine: Engine, world: World) -> None:
    target = world.candidates[0]
    with write_session(app_engine) as session:
        for user in (world.chair, world.member):
            make_scorecard(session, candidate=target, interviewer=user, ratings=[4, 4, 4], status=ScorecardStatus.submitted)
    at = signed_in(world.manager.id, page="candidates")
    at.selectbox(key="candidates_decision_choice").set_value(target.id).run()
    at.selectbox(key=f"candidates_outcome_{target.id}_0").set_value(DecisionOutcome.qualified)
    at = click(at, "Record the decision")
    assert "Write the rationale" in at.error[0].value
    sent_with_the_click(at, f"candidates_rationale_{target.id}_0", "Met every essential criterion at consensus.")
    at = click(at, "Record the decision")
    assert_no_exception(at)
    assert "Decision recorded for Candidate 01." in texts(at)
    with read_session(app_engine) as session:
        decision = session.exec(select(Decision).where(Decision.candidate_id == target.id)).one()
        assert (decision.outcome, decision.decided_by_id) == (DecisionOutcome.qualified, world.manager.id)
    assert list(table_with(at, "Language of assessment")["Decision"]) == ["Qualified", "—"]


def test_qualified_for_a_candidate_failing_an_essential_needs_an_override_reason(app_engine: Engine, world: World) -> None:
    target = world.candidates[0]
    with write_session(app_engine) as session:
        for user in (world.chair, world.member):
            make_scorecard(session, candidate=target, interviewer=user, ratings=[1, 4, 4], status=ScorecardStatus.submitted)
    at = signed_in(world.manager.id, page="candidates")
    at.selectbox(key="candidates_decision_choice").set_value(target.id).run()
    at.selectbox(key=f"candidates_outcome_{target.id}_0").set_value(DecisionOutcome.qualified)
    type_into(at, f"candidates_rationale_{target.id}_0", "Strong everywhere else.")
    at = click(at, "Record the decision")
    assert "does not meet essential criteria [1]" in at.error[0].value or "does not meet essential criteria 1" in at.error[0].value
    with read_session(app_engine) as session:
        assert session.exec(select(Decision)).all() == []
    sent_with_the_click(at, f"candidates_override_{target.id}_0", "Criterion 1 was assessed on the wrong posting's question.")
    at = click(at, "Record the decision")
    assert_no_exception(at)
    with read_session(app_engine) as session:
        decision = session.exec(select(Decision.outcome, Decision.override_reason)).one()
    assert tuple(decision) == (DecisionOutcome.qualified, "Criterion 1 was assessed on the wrong posting's question.")
    assert "This decision overrides the essential criteria verdict. Reason given:" in [w.value for w in at.warning]


def test_a_manager_sees_only_their_own_postings(world: World) -> None:
    at = signed_in(world.other_manager.id, page="candidates")
    listed = table_with(at, "Language of assessment")
    assert list(listed["Name"]) == [c.name for c in world.other_candidates]


def test_candidate_names_are_shown_as_typed(app_engine: Engine, world: World) -> None:
    with write_session(app_engine) as session:
        candidate = session.get(Candidate, world.candidates[0].id)
        candidate.name = "<b>Bold</b> **Star** :red[Alert]"
        session.add(candidate)
        make_declaration(session, candidate=candidate, user=session.get(type(world.chair), world.chair.id))
    at = signed_in(world.manager.id, page="candidates")
    assert_no_exception(at)
    assert "<b>Bold</b> **Star** :red[Alert]" in list(table_with(at, "Language of assessment")["Name"])
    assert not page_html(at)


def test_candidates_page_speaks_french(world: World) -> None:
    at = signed_in(world.manager.id, lang="fr", page="candidates")
    assert_no_exception(at)
    assert [t.value for t in at.title] == ["Candidatures et comités"]
    assert "Langue d'évaluation" in table_with(at, "Nom").columns
