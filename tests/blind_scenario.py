"""A candidate with a colleague's submitted card, another colleague's draft and a consensus, built
through the services, plus one actor at a chosen stage: the ground for the blind-scoring tests (#10, #17).

Markers make a leak visible in any output (a repr, a frame, an HTML page, a CSV): the witness's notes
carry ``WITNESS-NOTE``, their overall notes ``WITNESS-OVERALL``, the drafter's draft ``DRAFT-NOTE``,
the consensus rationale ``CONSENSUS-MARK``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from factories import build_world, criteria_of, make_consensus, make_panel, make_user, rubric_of
from sqlalchemy.engine import Engine

from tracker.db import write_session
from tracker.models import Candidate, PanelMember, Role, User
from tracker.services import scoring
from tracker.services.actor import Actor

WITNESS_NOTE = "WITNESS-NOTE"
WITNESS_OVERALL = "WITNESS-OVERALL"
DRAFT_NOTE = "DRAFT-NOTE"
CONSENSUS_MARK = "CONSENSUS-MARK"

# Who reads: on the panel (with a stage of their own card), or off it.
ON_PANEL = ("member", "chair", "manager_on_panel")
OFF_PANEL = ("manager_off_panel", "admin", "outsider")
STAGES = ("draft", "empty_submitted", "submitted", "conflict")


@dataclass
class Scenario:
    engine: Engine
    posting_id: int
    candidate_id: int
    label: str
    reader: User
    witness_card: int
    draft_card: int
    criteria: list[int]
    users: dict[str, User] = field(default_factory=dict)

    @property
    def actor(self) -> Actor:
        return Actor.from_user(self.reader)


def _score(
    engine: Engine,
    user: User,
    candidate_id: int,
    ratings: list[int | None],
    note: str,
    *,
    submit: bool,
    overall: str = "",
) -> int:
    actor = Actor.from_user(user)
    with write_session(engine) as s:
        scoring.declare(s, actor, candidate_id=candidate_id, has_conflict=False, language="en")
    with write_session(engine) as s:
        card = scoring.open_scorecard(s, actor, candidate_id=candidate_id)
        for score, rating in zip(card.scores, ratings, strict=True):
            scoring.save_draft_score(
                s, actor, scorecard_id=card.id, criterion_id=score.criterion_id, rating=rating,
                not_assessed=rating is None, notes=f"{note} on {score.criterion_number}",
            )  # fmt: skip
        if overall:
            scoring.save_overall(s, actor, scorecard_id=card.id, recommendation="strong_no", overall_notes=overall)
        if submit:
            scoring.submit_scorecard(s, actor, scorecard_id=card.id)
        return card.id


def build_scenario(engine: Engine, kind: str, stage: str | None) -> Scenario:
    """The posting's owner sits on the panel for ``manager_on_panel``; everyone else as ``factories.World``."""
    world = build_world(engine, criteria=3, candidates=1)
    with write_session(engine) as s:
        witness = make_user(s, role=Role.interviewer, display_name="Wendy Witness")
        drafter = make_user(s, role=Role.interviewer, display_name="Dora Drafter")
        make_panel(s, posting=world.posting, members=[witness, drafter], chair=world.chair)
        for extra in (witness, drafter):
            s.refresh(extra)
        if kind == "manager_on_panel":
            s.add(PanelMember(posting_id=world.posting.id or 0, user_id=world.manager.id or 0))
        candidate = s.get(Candidate, world.candidates[0].id)
        assert candidate is not None
        label = candidate.label
        crits = [c.id or 0 for c in criteria_of(s, rubric_of(s, world.posting))]
    cand = world.candidates[0].id or 0
    witness_card = _score(engine, witness, cand, [5, 5, 5], WITNESS_NOTE, submit=True, overall=WITNESS_OVERALL)
    draft_card = _score(engine, drafter, cand, [1, 1, None], DRAFT_NOTE, submit=False, overall="DRAFT-NOTE overall")
    with write_session(engine) as s:
        # Recorded earlier, before a reopen put some card back into draft: it must stay hidden too.
        crit = criteria_of(s, rubric_of(s, world.posting))[0]
        make_consensus(
            s, candidate=s.get(Candidate, cand), criterion=crit, rating=4, rationale=CONSENSUS_MARK, by=world.chair
        )
    reader = {
        "member": world.member, "chair": world.chair, "manager_on_panel": world.manager,
        "manager_off_panel": world.manager, "admin": world.admin, "outsider": world.outsider,
    }[kind]  # fmt: skip
    if kind in ON_PANEL:
        actor = Actor.from_user(reader)
        if stage == "conflict":
            with write_session(engine) as s:
                scoring.declare(s, actor, candidate_id=cand, has_conflict=True, language="en", note="Former colleague")
        elif stage == "draft":
            _score(engine, reader, cand, [2, 2, None], "OWN-NOTE", submit=False)
        elif stage == "empty_submitted":
            _score(engine, reader, cand, [None, None, None], "OWN-NOTE", submit=True)
        elif stage == "submitted":
            _score(engine, reader, cand, [2, 2, 2], "OWN-NOTE", submit=True)
    users = {"witness": witness, "drafter": drafter, "manager": world.manager, "chair": world.chair, "member": world.member,
             "admin": world.admin}  # fmt: skip
    return Scenario(engine, world.posting.id or 0, cand, label, reader, witness_card, draft_card, crits, users)


def sees_colleagues(kind: str, stage: str | None) -> bool:
    """The rule under test: who may read the witness's submitted card and the consensus."""
    if kind in ON_PANEL:
        return stage == "submitted" or (stage == "conflict" and kind == "manager_on_panel")
    return kind in ("manager_off_panel", "admin")


def scenarios() -> list[tuple[str, str | None]]:
    return [(k, s) for k in ON_PANEL for s in STAGES] + [(k, None) for k in OFF_PANEL]
