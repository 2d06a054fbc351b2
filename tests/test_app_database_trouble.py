"""Pages when the database is locked, unreachable or not migrated, and the rubric editor under a race (issue #22).

A lock held elsewhere (a migration, a stuck transaction) or an outage must end in the "cannot be
reached, try again" sentence within the configured timeout while what the person typed stays on
screen; a replica started before ``db upgrade`` says so; a rubric edit made on one version is never
saved onto a newer version someone else created meanwhile.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from app_helpers import (
    assert_no_exception,
    autosave_boxes,
    click,
    new_app,
    sign_in_with_form,
    switch_to,
    texts,
    type_into,
)
from factories import build_world, make_declaration, rubric_of
from sqlalchemy.engine import Engine, make_url
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from app_pages.frame.auth import LAST_SEEN_KEY, USER_ID_KEY
from tracker.db import read_session, write_session
from tracker.models import Criterion, Rubric, RubricStatus, Score
from tracker.services import rubrics
from tracker.services.actor import SYSTEM_ACTOR, Actor

pytest_plugins = ["app_helpers"]

UNREACHABLE = "The database cannot be reached right now. Your text is still here; try again in a moment."


@contextmanager
def database_locked(url: str) -> Iterator[None]:
    """Another connection holds SQLite's exclusive lock (what a migration's DDL holds): nobody reads or writes."""
    connection = sqlite3.connect(make_url(url).database or "", isolation_level=None)
    try:
        connection.execute("BEGIN EXCLUSIVE")
        yield
    finally:
        connection.execute("ROLLBACK")
        connection.close()


def scoring_app(user_id: int) -> AppTest:
    at = new_app()
    at.session_state[USER_ID_KEY] = user_id
    at.session_state[LAST_SEEN_KEY] = time.time()
    at.run()
    switch_to(at, "scoring")
    assert_no_exception(at)
    return at


def test_the_scoring_form_stays_drawn_with_its_text_when_the_database_is_locked(
    app_db: str, app_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite's busy timeout plays the part of PostgreSQL's lock_timeout: short, so the test is quick.
    monkeypatch.setattr("tracker.db.BUSY_TIMEOUT_MS", 300)
    from tracker.db import dispose_engines

    dispose_engines()
    world = build_world(app_engine)
    with write_session(app_engine) as s:
        make_declaration(s, candidate=world.candidates[0], user=world.chair)
    at = scoring_app(world.chair.id or 0)
    keys = sorted(key for key in autosave_boxes(at) if key.startswith("score_notes_"))
    at = type_into(at, keys[0], "Saved before the lock")
    typed = "Described a migration of a benefits form, with the numbers, while the database was locked."
    with database_locked(app_db):
        at = type_into(at, keys[1], typed)
        assert_no_exception(at)
        assert keys[1] in autosave_boxes(at), "the form must stay drawn with its notes box"
        assert UNREACHABLE in texts(at) or "cannot be reached" in texts(at)
    # The lock is gone: the box sends again (it kept the text) and nothing was lost.
    at = type_into(at, keys[1], typed + " Done.", origin="")
    assert_no_exception(at)
    with read_session(app_engine) as s:
        notes = sorted(n for n in s.exec(select(Score.notes)).all())
    assert notes == sorted(["Saved before the lock", typed + " Done."])


def test_an_unmigrated_database_says_so_instead_of_the_generic_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'never-migrated.sqlite3'}"
    monkeypatch.setenv("TRACKER_DATABASE_URL", url)
    at = new_app()
    at.run()
    assert_no_exception(at)
    at = sign_in_with_form(at, "admin@example.org", "whatever-password")
    assert_no_exception(at)
    assert "The database is not migrated (run `python -m tracker db upgrade`)." in [e.value for e in at.error]
    from app_pages.frame.data import _engine_for
    from tracker.db import dispose_engines

    _engine_for.clear()
    dispose_engines()


def test_a_rubric_edit_is_refused_when_someone_else_saved_a_new_version_meanwhile(app_engine: Engine) -> None:
    """The review's case: her edit typed on version 1, another person's version 2, then her click."""
    world = build_world(app_engine)
    with write_session(app_engine) as s:
        rubric = rubric_of(s, world.posting)
        rubric.status = RubricStatus.locked
        s.add(rubric)
    at = new_app()
    at.session_state[USER_ID_KEY] = world.manager.id
    at.session_state[LAST_SEEN_KEY] = time.time()
    at.run()
    switch_to(at, "rubric")
    assert_no_exception(at)
    with read_session(app_engine) as s:
        first_id, first_version = s.exec(select(Rubric.id, Rubric.version).where(Rubric.posting_id == world.posting.id)).one()
    editor = f"rubric_criteria_{first_id}_{first_version}"
    at.session_state[editor] = {"edited_rows": {0: {"text_en": "Her edit, typed on version 1"}}, "added_rows": [], "deleted_rows": []}
    # Someone else (an admin, another replica) saves version 2 meanwhile.
    admin = Actor.from_user(world.admin)
    with write_session(app_engine) as s:
        view = rubrics.get_rubric(s, admin, rubric_id=first_id)
        edits = [rubrics.CriterionEdit(id=c.id, kind=c.kind, text_en=c.text_en + " (admin)", text_fr=c.text_fr, weight=c.weight,
                                       pass_mark=c.pass_mark, min_raters=c.min_raters) for c in view.criteria]  # fmt: skip
        rubrics.save_criteria(s, admin, rubric_id=first_id, criteria=edits, expected_version=first_version)
    at.run()
    assert "Someone else saved this rubric after you started editing" in texts(at)
    at = click(at, "Save the criteria")  # the page now shows version 2, a draft
    assert_no_exception(at)
    assert "The criteria are saved." not in texts(at)
    assert any("Someone else changed this rubric" in e.value for e in at.error)
    with read_session(app_engine) as s:
        current = rubrics.current_rubric(s, SYSTEM_ACTOR, posting_id=world.posting.id)
        texts_now = s.exec(select(Criterion.text_en).where(Criterion.rubric_id == current.id)).all()
    assert current.version_number == 2
    assert all(text.endswith("(admin)") for text in texts_now), "her edit was not applied to a version she never saw"
    assert not any("Her edit" in text for text in texts_now)
