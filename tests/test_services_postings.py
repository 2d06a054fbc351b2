"""Importing postings into the database: idempotent by content hash, one transaction per bilingual
posting, draft rubrics updated in place and locked ones versioned. Postings here are fictional."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from factories import build_world, make_candidate, make_panel, make_scorecard, make_user
from sqlalchemy import func, text
from sqlmodel import select

from tracker.db import read_session, write_session
from tracker.models import AuditEvent, Criterion, Posting, PostingSource, Role, Rubric, RubricStatus, Score, User
from tracker.services import SYSTEM_ACTOR, PermissionDeniedError, TrackerError, ValidationError, postings, rubrics
from tracker.services.actor import Actor
from tracker.services.rubrics import CriterionEdit

EN = """---
title: Service Designer
translationKey: {key}
leverId: 0000-northwind-{key}
archived: false
description: Join Northwind Digital Service to design better public services.
---

Northwind Digital Service builds simple, accessible services.

## What you will do

- Map the journeys of people who use our services
- Run co-design workshops with partner teams

## How we will assess you

- Experience designing accessible digital services
- Knowledge of plain-language writing
- {third}

## Assets

- Experience with bilingual content workflows
"""

FR = """---
title: Concepteur ou conceptrice de services
translationKey: {key}
leverId: 0000-northwind-{key}
archived: false
description: Joignez-vous au Service numérique Northwind pour concevoir de meilleurs services publics.
---

Le Service numérique Northwind conçoit des services simples et accessibles.

## Ce que vous ferez

- Cartographier les parcours des personnes qui utilisent nos services
- Animer des ateliers de co-conception avec les équipes partenaires

## Comment nous vous évaluerons

- Expérience de la conception de services numériques accessibles
- Connaissance de la rédaction en langage clair
- Capacité d'analyser les résultats de recherche auprès des utilisateurs

## Atouts

- Expérience des processus de contenu bilingue
"""

THIRD = "Ability to analyse user research findings"


def write_pair(root: Path, key: str = "northwind-service-designer", third: str = THIRD, fr: bool = True) -> Path:
    (root / "en").mkdir(parents=True, exist_ok=True)
    (root / "en" / f"{key}.md").write_text(EN.format(key=key, third=third), encoding="utf-8")
    if fr:
        (root / "fr").mkdir(parents=True, exist_ok=True)
        (root / "fr" / f"{key}-fr.md").write_text(FR.format(key=key), encoding="utf-8")
    return root


def _import(engine: Any, *paths: Path, actor: Actor = SYSTEM_ACTOR) -> postings.ImportReport:
    return postings.import_postings(engine, actor, paths=list(paths))


def _counts(engine: Any) -> dict[str, int]:
    with read_session(engine) as s:
        return {t: s.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in ("posting", "postingsource", "rubric", "criterion", "rating_level", "audit_event")}


def test_bilingual_posting_is_created_with_one_rubric(engine: Any, tmp_path: Path) -> None:
    report = _import(engine, write_pair(tmp_path))
    [item] = report.items
    assert (item.action, item.translation_key, item.criteria_count, item.rubric_version) == ("created", "northwind-service-designer", 4, 1)
    with read_session(engine) as s:
        posting = s.exec(select(Posting)).one()
        view = rubrics.current_rubric(s, SYSTEM_ACTOR, posting_id=posting.id)
        assert (posting.title_en, posting.title_fr) == ("Service Designer", "Concepteur ou conceptrice de services")
        assert len(s.exec(select(PostingSource)).all()) == 2
    assert view.status == RubricStatus.draft
    assert [c.kind.value for c in view.criteria] == ["essential", "essential", "essential", "asset"]
    assert view.criteria[0].text_fr.startswith("Expérience de la conception")
    assert view.criteria[0].section_en == "How we will assess you"


def test_importing_twice_changes_nothing(engine: Any, tmp_path: Path) -> None:
    root = write_pair(tmp_path)
    _import(engine, root)
    before = _counts(engine)
    report = _import(engine, root)
    assert [i.action for i in report.items] == ["unchanged"]
    assert _counts(engine) == before


def test_changed_posting_updates_a_draft_rubric_in_place(engine: Any, tmp_path: Path) -> None:
    root = write_pair(tmp_path)
    _import(engine, root)
    with read_session(engine) as s:
        old = rubrics.current_rubric(s, SYSTEM_ACTOR, posting_id=s.exec(select(Posting.id)).one())
    write_pair(tmp_path, third="Ability to turn research into design decisions")
    [item] = _import(engine, root).items
    assert item.action == "updated" and item.rubric_version == 1
    with read_session(engine) as s:
        new = rubrics.current_rubric(s, SYSTEM_ACTOR, posting_id=old.posting_id)
    assert new.id == old.id and new.criteria[2].text_en == "Ability to turn research into design decisions"
    assert [c.lineage for c in new.criteria] == [c.lineage for c in old.criteria]


def test_reimport_under_a_locked_rubric_makes_a_new_version_and_keeps_old_scores(engine: Any, tmp_path: Path) -> None:
    root = write_pair(tmp_path)
    _import(engine, root)
    with write_session(engine) as s:
        posting = s.exec(select(Posting)).one()
        interviewer = make_user(s, role=Role.interviewer)
        make_panel(s, posting=posting, members=[interviewer])
        card = make_scorecard(s, candidate=make_candidate(s, posting=posting), interviewer=interviewer, ratings=[4, 3, 2, 5])
        old_rubric_id = card.rubric_id
        old_scores = sorted((sc.criterion_id, sc.rating) for sc in s.exec(select(Score)).all())
    write_pair(tmp_path, third="Ability to turn research into design decisions")
    [item] = _import(engine, root).items
    assert (item.action, item.rubric_version) == ("new_version", 2)
    with read_session(engine) as s:
        assert sorted((sc.criterion_id, sc.rating) for sc in s.exec(select(Score)).all()) == old_scores
        old_criteria = s.exec(select(Criterion).where(Criterion.rubric_id == old_rubric_id).order_by(Criterion.number)).all()
        assert old_criteria[2].text_en == THIRD
        assert {sc.criterion_id for sc in s.exec(select(Score)).all()} <= {c.id for c in old_criteria}
        new = rubrics.current_rubric(s, SYSTEM_ACTOR, posting_id=posting.id)
        assert new.id != old_rubric_id and new.criteria[2].text_en.startswith("Ability to turn")
        assert [c.lineage for c in new.criteria] == [c.lineage for c in old_criteria]
    # And the same change imported again is now a no-op.
    assert [i.action for i in _import(engine, root).items] == ["unchanged"]


def test_reimport_keeps_a_managers_weights_and_pass_marks(engine: Any, tmp_path: Path) -> None:
    root = write_pair(tmp_path)
    _import(engine, root)
    with read_session(engine) as s:
        rubric = rubrics.current_rubric(s, SYSTEM_ACTOR, posting_id=s.exec(select(Posting.id)).one())
    edits = [CriterionEdit(id=c.id, kind=c.kind, text_en=c.text_en, text_fr=c.text_fr, weight=2.0, pass_mark=4) for c in rubric.criteria]
    with write_session(engine) as s:
        rubrics.save_criteria(s, SYSTEM_ACTOR, rubric_id=rubric.id, criteria=edits, expected_version=rubric.version)
    write_pair(tmp_path, third="Ability to turn research into design decisions")
    _import(engine, root)
    with read_session(engine) as s:
        new = rubrics.current_rubric(s, SYSTEM_ACTOR, posting_id=rubric.posting_id)
    assert [(c.weight, c.pass_mark) for c in new.criteria] == [(2.0, 4)] * 4


def test_postings_without_translation_key_get_a_stable_derived_key(engine: Any, tmp_path: Path) -> None:
    (tmp_path / "lever.md").write_text("---\ntitle: Data Steward\nleverId: abc-123\n---\n\n## Assets\n\n- Knows SQL\n", encoding="utf-8")
    (tmp_path / "plain.md").write_text("---\ntitle: Archivist\n---\n\n## Assets\n\n- Knows archives\n", encoding="utf-8")
    first = sorted(i.translation_key for i in _import(engine, tmp_path).items)
    assert first == ["file-plain", "lever-abc-123"]
    assert sorted(i.action for i in _import(engine, tmp_path).items) == ["unchanged", "unchanged"]


def test_one_bad_posting_does_not_stop_the_others(engine: Any, tmp_path: Path) -> None:
    write_pair(tmp_path / "good")
    (tmp_path / "bad.md").write_bytes(b"\x00\x01\x02 not a posting")
    (tmp_path / "empty.md").write_bytes(b"")
    report = _import(engine, tmp_path)
    actions = sorted(i.action for i in report.items)
    assert actions == ["created", "error", "error"] and report.has_errors
    assert all(i.error for i in report.items if i.action == "error")


def test_two_files_claiming_the_same_key_and_language_are_an_error(engine: Any, tmp_path: Path) -> None:
    write_pair(tmp_path / "a", fr=False)
    write_pair(tmp_path / "b", fr=False, third="Something else")
    report = _import(engine, tmp_path)
    assert {i.action for i in report.items} == {"error"}
    assert any("both claim" in (i.error or "") for i in report.items)
    with read_session(engine) as s:
        assert s.exec(select(func.count()).select_from(Posting)).one() == 0


def test_a_failure_inside_one_posting_leaves_nothing_of_it(engine: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_pair(tmp_path / "one", key="northwind-one")
    write_pair(tmp_path / "two", key="northwind-two")
    real = postings.create_rubric

    def failing(session: Any, **kwargs: Any) -> Any:
        posting = session.get(Posting, kwargs["posting_id"])
        if posting.translation_key == "northwind-two":
            raise ValidationError("simulated failure after the posting row was written")
        return real(session, **kwargs)

    monkeypatch.setattr(postings, "create_rubric", failing)
    report = _import(engine, tmp_path)
    assert {i.translation_key: i.action for i in report.items} == {"northwind-one": "created", "northwind-two": "error"}
    with read_session(engine) as s:
        assert s.exec(select(Posting.translation_key)).all() == ["northwind-one"]
        assert s.exec(select(func.count()).select_from(PostingSource)).one() == 2
        assert all("northwind-two" not in (e.after_json or "") for e in s.exec(select(AuditEvent)).all())


def test_uploaded_files_and_progress(engine: Any) -> None:
    files = [("en/upload.md", EN.format(key="northwind-upload", third=THIRD).encode()), ("fr/upload.md", FR.format(key="northwind-upload").encode())]
    seen: list[tuple[int, int]] = []
    report = postings.import_postings(engine, SYSTEM_ACTOR, files=files, progress=lambda d, t, _label: seen.append((d, t)))
    assert [i.action for i in report.items] == ["created"] and seen == [(1, 1)]


def test_manager_imports_own_postings_but_not_someone_elses(engine: Any, tmp_path: Path) -> None:
    with write_session(engine) as s:
        alice, bob = make_user(s, role=Role.manager), make_user(s, role=Role.manager)
        interviewer = make_user(s, role=Role.interviewer)
        actors = {n: Actor.from_user(u) for n, u in (("alice", alice), ("bob", bob), ("interviewer", interviewer))}
    root = write_pair(tmp_path)

    def upload(actor: Actor) -> postings.ImportReport:  # managers upload; server paths are for admins (#17)
        files = [(p.relative_to(root).as_posix(), p.read_bytes()) for p in sorted(root.rglob("*.md"))]
        return postings.import_postings(engine, actor, files=files)

    assert [i.action for i in upload(actors["alice"]).items] == ["created"]
    with read_session(engine) as s:
        assert s.exec(select(Posting.owner_id)).one() == actors["alice"].id
    write_pair(tmp_path, third="Changed by Bob")
    [item] = upload(actors["bob"]).items
    assert item.action == "error" and "another hiring manager" in item.error
    with pytest.raises(PermissionDeniedError):
        upload(actors["interviewer"])


def test_sections_can_be_chosen_and_the_choice_survives_reimport(engine: Any, tmp_path: Path) -> None:
    root = write_pair(tmp_path)
    _import(engine, root)
    with read_session(engine) as s:
        posting_id = s.exec(select(Posting.id)).one()
        sections = postings.posting_sections(s, SYSTEM_ACTOR, posting_id=posting_id)
    en_duties = next(x.index for x in sections["en"] if x.heading == "What you will do")
    fr_duties = next(x.index for x in sections["fr"] if x.heading == "Ce que vous ferez")
    assert any(x.used for x in sections["en"]) and not next(x for x in sections["en"] if x.index == en_duties).used
    with write_session(engine) as s:
        view = postings.rebuild_rubric_from_sections(s, SYSTEM_ACTOR, posting_id=posting_id, en=[en_duties], fr=[fr_duties])
    assert [c.text_en for c in view.criteria] == ["Map the journeys of people who use our services", "Run co-design workshops with partner teams"]
    assert view.source_sections == {"en": [en_duties], "fr": [fr_duties]}
    write_pair(tmp_path, third="Something changed elsewhere")
    _import(engine, root)
    with read_session(engine) as s:
        again = rubrics.current_rubric(s, SYSTEM_ACTOR, posting_id=posting_id)
        assert postings.posting_sections(s, SYSTEM_ACTOR, posting_id=posting_id)["en"][en_duties].used
    assert [c.text_en for c in again.criteria] == [c.text_en for c in view.criteria]
    with pytest.raises(ValidationError, match="do not exist"), write_session(engine) as s:
        postings.rebuild_rubric_from_sections(s, SYSTEM_ACTOR, posting_id=posting_id, en=[99], fr=[])


def test_update_posting_dates_and_owner_rules(engine: Any) -> None:
    world = build_world(engine)
    manager, admin = world.actor("manager"), world.actor("admin")
    with write_session(engine) as s:
        detail = postings.update_posting(s, manager, posting_id=world.posting.id, expected_version=world.posting.version,
                                         opened_on=date(2026, 1, 5), closed_on=date(2026, 2, 5))
    assert (detail.opened_on, detail.closed_on) == (date(2026, 1, 5), date(2026, 2, 5))
    with pytest.raises(ValidationError, match="before the opening"), write_session(engine) as s:
        postings.update_posting(s, manager, posting_id=world.posting.id, expected_version=detail.version, closed_on=date(2025, 1, 1))
    with pytest.raises(PermissionDeniedError), write_session(engine) as s:
        postings.update_posting(s, manager, posting_id=world.posting.id, expected_version=detail.version, owner_id=world.other_manager.id)
    with pytest.raises(ValidationError, match="hiring manager"), write_session(engine) as s:
        postings.update_posting(s, admin, posting_id=world.posting.id, expected_version=detail.version, owner_id=world.chair.id)
    with write_session(engine) as s:
        moved = postings.update_posting(s, admin, posting_id=world.posting.id, expected_version=detail.version, owner_id=world.other_manager.id)
    assert moved.owner_id == world.other_manager.id
    with pytest.raises(TrackerError), write_session(engine) as s:
        postings.update_posting(s, admin, posting_id=world.posting.id, expected_version=detail.version, archived=True)


def test_get_posting_returns_sources(engine: Any, tmp_path: Path) -> None:
    _import(engine, write_pair(tmp_path))
    with read_session(engine) as s:
        detail = postings.get_posting(s, SYSTEM_ACTOR, posting_id=s.exec(select(Posting.id)).one())
        assert {src.lang.value for src in detail.sources} == {"en", "fr"}
        assert "Northwind" in detail.sources[0].content
        assert s.exec(select(func.count()).select_from(User)).one() == 0
        assert s.exec(select(func.count()).select_from(Rubric)).one() == 1


@pytest.mark.corpus
def test_corpus_imports_and_reimports_as_unchanged(engine: Any) -> None:
    corpus = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "postings"
    if not corpus.is_dir():
        pytest.skip(f"corpus not found at {corpus}")
    first = postings.import_postings(engine, SYSTEM_ACTOR, paths=[corpus])
    assert not first.has_errors, [i.error for i in first.items if i.error]
    second = postings.import_postings(engine, SYSTEM_ACTOR, paths=[corpus])
    assert second.counts()["unchanged"] == len(second.items) == len(first.items)
