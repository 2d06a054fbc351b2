"""The race harness (issue #22): every write that two people can make at once, raced for real.

Two spawned processes go through the same trials; for each they are released together inside their
transactions (see ``race_workers``), on a SQLite file and on the session's PostgreSQL. Over
:data:`TRIALS` trials of each write: no lost update, no change to a submitted scorecard, and no raw
``IntegrityError`` — the loser of every race gets the project's own error with its sentence.
"""

from __future__ import annotations

import json
import multiprocessing
import time
from collections import Counter
from typing import Any

import pytest
from dbtools import engine_url
from factories import criteria_of, make_candidate, make_panel, make_posting, make_scorecard, make_user, rubric_of
from race_workers import Trial, race
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from tracker.db import read_session, write_session
from tracker.models import (
    AuditEvent,
    AuditPersonalData,
    Candidate,
    Criterion,
    Role,
    Rubric,
    RubricStatus,
    Score,
    Scorecard,
    ScorecardStatus,
    User,
)
from tracker.services.errors import ConflictError
from tracker.services.rubrics import CriterionEdit

TRIALS = 10


def _setup(engine: Engine) -> tuple[dict[str, int], list[list[Trial]], dict[str, list[dict[str, Any]]]]:
    """Every trial's rows, written directly; returns the people, each worker's trials, and what to check."""
    with write_session(engine) as s:
        admin, admin2 = make_user(s, role=Role.admin), make_user(s, role=Role.admin)
        manager = make_user(s, role=Role.manager)
        chair, member = make_user(s, role=Role.interviewer), make_user(s, role=Role.interviewer)
        posting = make_posting(s, owner=manager, criteria=3)
        make_panel(s, posting=posting, members=[chair, member], chair=chair)
        criterion = criteria_of(s, rubric_of(s, posting))[0].id
        people = {"admin": admin.id, "admin2": admin2.id, "manager": manager.id, "chair": chair.id, "member": member.id}
        a: list[Trial] = []
        b: list[Trial] = []
        checks: dict[str, list[dict[str, Any]]] = {
            k: [] for k in ("submit", "reopen", "user", "create", "candidate", "rubric")
        }
        # 1. Her submit racing her own draft save from another tab (the review's write skew).
        for i in range(TRIALS):
            card = make_scorecard(
                s, candidate=make_candidate(s, posting=posting), interviewer=member, ratings=[4, 4, 4], notes="before"
            )
            a.append(Trial("submit", member.id, {"scorecard_id": card.id}))
            b.append(Trial("draft", member.id, {"scorecard_id": card.id, "criterion_id": criterion, "rating": 1,
                                                "notes": f"typed while submitting {i}", "expected_version": 1}))  # fmt: skip
            checks["submit"].append({"card": card.id})
        # 2. The chair reopening a submitted card while its interviewer's stale tab saves a draft.
        for i in range(TRIALS):
            card = make_scorecard(
                s, candidate=make_candidate(s, posting=posting), interviewer=member, ratings=[3, 3, 3],
                status=ScorecardStatus.submitted,
            )  # fmt: skip
            a.append(Trial("reopen", chair.id, {"scorecard_id": card.id, "reason": "Recheck criterion 1"}))
            b.append(Trial("draft", member.id, {"scorecard_id": card.id, "criterion_id": criterion, "rating": 2,
                                                "notes": f"late edit {i}", "expected_version": 1}))  # fmt: skip
            checks["reopen"].append({"card": card.id})
        # 3. Two admins editing one account from the same version.
        for i in range(TRIALS):
            target = make_user(s, role=Role.interviewer)
            a.append(
                Trial(
                    "update_user",
                    admin.id,
                    {"user_id": target.id, "display_name": f"Edit A {i}", "expected_version": 1},
                )
            )
            b.append(
                Trial(
                    "update_user",
                    admin2.id,
                    {"user_id": target.id, "display_name": f"Edit B {i}", "expected_version": 1},
                )
            )
            checks["user"].append({"user": target.id})
        # 4. Two admins creating the same account.
        for i in range(TRIALS):
            email = f"new.hire.{i}@northwind.example"
            for trials, who in ((a, admin), (b, admin2)):
                trials.append(
                    Trial(
                        "create_user", who.id, {"email": email, "display_name": f"New Hire {i}", "role": "interviewer"}
                    )
                )
            checks["create"].append({"email": email})
        # 5. The manager and an admin adding the same candidate e-mail to one posting.
        for i in range(TRIALS):
            email = f"applicant.{i}@example.ca"
            for trials, who in ((a, manager), (b, admin)):
                trials.append(
                    Trial("add_candidate", who.id, {"posting_id": posting.id, "name": f"Applicant {i}", "email": email})
                )
            checks["candidate"].append({"email": email})
        # 6. The manager and an admin saving a new version of one locked rubric.
        for i in range(TRIALS):
            other = make_posting(s, owner=manager, criteria=2, rubric_status=RubricStatus.locked)
            rubric = rubric_of(s, other)
            base = criteria_of(s, rubric)
            for trials, who, tag in ((a, manager, "A"), (b, admin, "B")):
                edits = [
                    CriterionEdit(id=c.id, kind=c.kind, text_en=f"{c.text_en} ({tag} {i})" if n == 0 else c.text_en,
                                  text_fr=c.text_fr, weight=c.weight, pass_mark=c.pass_mark, min_raters=c.min_raters)
                    for n, c in enumerate(base)
                ]  # fmt: skip
                trials.append(
                    Trial(
                        "save_criteria",
                        who.id,
                        {"rubric_id": rubric.id, "criteria": edits, "expected_version": rubric.version},
                    )
                )
            checks["rubric"].append({"posting": other.id, "first": base[0].text_en})
    return people, [a, b], checks


def _run_race(engine: Engine, trials: list[list[Trial]]) -> list[list[str]]:
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    inside = engine.dialect.name == "postgresql"
    workers = [
        ctx.Process(target=race, args=(engine_url(engine), trials[w], barrier, inside, results, w)) for w in (0, 1)
    ]
    for process in workers:
        process.start()
    outcomes: dict[int, list[str]] = {}
    for _ in workers:
        worker, found = results.get(timeout=300)
        outcomes[worker] = found
    for process in workers:
        process.join(timeout=30)
    return [outcomes[0], outcomes[1]]


def _kind(outcome: str) -> str:
    return outcome if outcome == "ok" else ":".join(outcome.split(":")[:2])


def _payload(s: Any, event: AuditEvent) -> Any:
    personal = s.get(AuditPersonalData, event.id)
    return json.loads((personal.after_json if personal else event.after_json) or "null")


def test_every_write_raced_from_two_processes_loses_nothing(engine: Engine) -> None:
    people, trials, checks = _setup(engine)
    started = time.perf_counter()
    a, b = _run_race(engine, trials)
    seconds = time.perf_counter() - started
    pairs = list(zip(a, b, strict=True))
    every = [o for pair in pairs for o in pair]
    # No raw database error and nothing unexpected, in any trial.
    assert [o for o in every if not (o == "ok" or o.startswith("refused:"))] == []

    figures: dict[str, Counter[str]] = {}
    with read_session(engine) as s:
        # 1. submit vs draft: the submitted card holds exactly what its submit event snapshot says.
        part = pairs[:TRIALS]
        for (sub, draft), check in zip(part, checks["submit"], strict=True):
            card = s.get(Scorecard, check["card"])
            assert card.status == ScorecardStatus.submitted and sub == "ok", (sub, draft)
            event = s.exec(
                select(AuditEvent).where(AuditEvent.entity_id == card.id, AuditEvent.action == "scorecard.submit")
            ).one()
            snapshot = {x["criterion_id"]: (x["rating"], x["notes"]) for x in _payload(s, event)["scores"]}
            stored = {
                sc.criterion_id: (sc.rating, sc.notes)
                for sc in s.exec(select(Score).where(Score.scorecard_id == card.id))
            }
            assert stored == snapshot, "a submitted scorecard changed behind its audit snapshot"
            assert draft == "ok" or draft.startswith("refused:ValidationError"), draft
        figures["submit vs draft"] = Counter(f"submit {_kind(x)} / draft {_kind(y)}" for x, y in part)
        # 2. reopen vs draft: a draft save lands only on a card already reopened, never on a submitted one.
        part = pairs[TRIALS : 2 * TRIALS]
        for (reopen, draft), check in zip(part, checks["reopen"], strict=True):
            assert reopen == "ok", reopen
            events = {e.action: e.id for e in s.exec(select(AuditEvent).where(col(AuditEvent.action).in_(("scorecard.reopen", "score.save_draft"))))
                      if _belongs(s, e, check["card"])}  # fmt: skip
            if draft == "ok":
                assert events["scorecard.reopen"] < events["score.save_draft"]
            else:
                assert draft.startswith("refused:ValidationError") and "score.save_draft" not in events, draft
        figures["reopen vs draft"] = Counter(f"reopen {_kind(x)} / draft {_kind(y)}" for x, y in part)
        # 3. two admins, one account: one edit wins, the other is refused; the winner's edit is stored.
        part = pairs[2 * TRIALS : 3 * TRIALS]
        for (x, y), check in zip(part, checks["user"], strict=True):
            assert sorted([_kind(x), _kind(y)]) == ["ok", "refused:ConflictError"], (x, y)
            user = s.get(User, check["user"])
            assert user.display_name.startswith("Edit A" if x == "ok" else "Edit B") and user.version == 2
        figures["user edit vs user edit"] = Counter(sorted([_kind(x), _kind(y)])[1] for x, y in part)
        # 4-5. one account / one candidate per e-mail; the loser has a sentence.
        for name, model, offset in (("create", User, 3), ("candidate", Candidate, 4)):
            part = pairs[offset * TRIALS : (offset + 1) * TRIALS]
            for (x, y), check in zip(part, checks[name], strict=True):
                assert sorted([x == "ok", y == "ok"]) == [False, True], (x, y)
                assert (x if y == "ok" else y).split(":")[1] in ("ConflictError", "ValidationError")
                assert len(s.exec(select(model).where(model.email == check["email"])).all()) == 1
            figures[f"{name} vs {name}"] = Counter(_kind(x if y == "ok" else y) for x, y in part)
        # 6. two new versions of one locked rubric: exactly one, holding the winner's edit.
        part = pairs[5 * TRIALS :]
        for i, ((x, y), check) in enumerate(zip(part, checks["rubric"], strict=True)):
            assert sorted([_kind(x), _kind(y)]) == ["ok", "refused:ConflictError"], (x, y)
            versions = s.exec(
                select(Rubric).where(Rubric.posting_id == check["posting"]).order_by(Rubric.version_number)
            ).all()
            assert [v.version_number for v in versions] == [1, 2]
            first = s.exec(
                select(Criterion.text_en).where(Criterion.rubric_id == versions[1].id, Criterion.number == 1)
            ).one()
            assert first == f"{check['first']} ({'A' if x == 'ok' else 'B'} {i})"
        figures["rubric version vs rubric version"] = Counter(sorted([_kind(x), _kind(y)])[1] for x, y in part)
    print(
        f"\nraces on {engine.dialect.name}, {TRIALS} trials each, {len(pairs)} pairs in {seconds:.1f} s, people {people}:"
    )
    for name, counts in figures.items():
        print(f"  {name}: {dict(counts)}")


def _belongs(s: Any, event: AuditEvent, card_id: int) -> bool:
    if event.action == "scorecard.reopen":
        return event.entity_id == card_id
    return (_payload(s, event) or {}).get("scorecard_id") == card_id


def test_a_create_whose_check_missed_the_other_insert_ends_in_a_conflict_not_an_integrity_error(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The races above, made certain: the "already exists?" read misses a row the other writer inserted."""
    from tracker.services import accounts, candidates
    from tracker.services.actor import Actor

    with write_session(engine) as s:
        admin, manager = make_user(s, role=Role.admin), make_user(s, role=Role.manager)
        posting = make_posting(s, owner=manager, criteria=1)
        admin_actor, manager_actor, posting_id = Actor.from_user(admin), Actor.from_user(manager), posting.id
    with write_session(engine) as s:
        accounts.create_user(s, admin_actor, email="twice@northwind.example", display_name="Twice", role="interviewer")
    monkeypatch.setattr(accounts, "_user_by_email", lambda *_args, **_kw: None)  # the loser's check saw nothing
    with pytest.raises(ConflictError, match="already exists"), write_session(engine) as s:
        accounts.create_user(s, admin_actor, email="twice@northwind.example", display_name="Twice", role="interviewer")
    real, checks = candidates._existing_emails, []

    def first_check_misses(*args: Any) -> dict[str, str]:
        checks.append(args)
        return {} if len(checks) == 2 else real(*args)  # the second add's check, before the posting lock

    monkeypatch.setattr(candidates, "_existing_emails", first_check_misses)
    with write_session(engine) as s:
        candidates.add_candidate(s, manager_actor, posting_id=posting_id, name="Ana Twice", email="ana@example.ca")
    with pytest.raises(ConflictError, match="already uses the e-mail ana@example.ca"), write_session(engine) as s:
        candidates.add_candidate(s, manager_actor, posting_id=posting_id, name="Ana Twice", email="ana@example.ca")
