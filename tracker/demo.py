"""The demo: a fictional selection process at Northwind Digital Service, loaded through the services.

Everything is created the way people would create it (accounts by the administrator, postings imported
and staffed by the hiring manager, declarations, drafts and submissions by each interviewer, consensus
by the chair, a decision by the manager), so the audit log, the rubric locking and the blind-scoring
rules are the real ones.

**The demo accounts have published passwords** (docs/user-guide.md, "Demo accounts"), so they must
exist only in a database the demo loader created. :func:`load_demo` refuses any database that already
holds work — a posting, or any account other than a first administrator who has never signed in — and
records a ``demo.load`` event that says so in the audit log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from tracker.db import PROJECT_ROOT, first_run_lock, read_session, write_session
from tracker.models import DecisionOutcome, Lang, Posting, Recommendation, Role, User
from tracker.services import (
    SYSTEM_ACTOR,
    Actor,
    TrackerError,
    accounts,
    candidates,
    consensus,
    decisions,
    panels,
    postings,
    rubrics,
    scoring,
)
from tracker.services.audit import record_event

EXAMPLES_DIR = PROJECT_ROOT / "examples" / "postings"
DESIGNER_KEY = "northwind-senior-service-designer"
ENGINEER_KEY = "northwind-data-engineer"


class DemoRefusedError(TrackerError):
    """The database already holds real work; the demo (with its published passwords) stays out of it."""


@dataclass(frozen=True)
class DemoAccount:
    email: str
    display_name: str
    role: Role
    password: str
    part: str  # what this account does in the demo


# Published in docs/user-guide.md ("Demo accounts"); a test keeps the two in step.
DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("admin@northwind.example", "Sam Okafor", Role.admin, "northwind-demo-harbour",
                "administrator: users, every posting, the audit log"),
    DemoAccount("manager@northwind.example", "Mireille Gagnon", Role.manager, "northwind-demo-lighthouse",
                "hiring manager who owns both postings"),
    DemoAccount("chair@northwind.example", "Jonah Whitfield", Role.interviewer, "northwind-demo-compass",
                "interviewer, chair of both panels"),
    DemoAccount("elodie@northwind.example", "Élodie Bouchard", Role.interviewer, "northwind-demo-maple-leaf",
                "interviewer on both panels"),
    DemoAccount("priya@northwind.example", "Priya Raman", Role.interviewer, "northwind-demo-orchard",
                "interviewer on the service designer panel"),
)

# Fictional applicants; some chose French for their assessment.
DESIGNER_CANDIDATES_CSV = (
    "name,email,language\n"
    "Amélie Côté,amelie.cote@mail.example,fr\n"
    "Daniel Osei,daniel.osei@mail.example,en\n"
    "Geneviève Lavoie-Nguyen,genevieve.lavoie-nguyen@mail.example,fr\n"
    "Marcus O'Brien,marcus.obrien@mail.example,en\n"
    "Sofia Martínez,sofia.martinez@mail.example,en\n"
    "François Ouellet,francois.ouellet@mail.example,fr\n"
)
ENGINEER_CANDIDATES = (("Hana Kobayashi", "hana.kobayashi@mail.example", Lang.en),
                       ("Rémi Tremblay", "remi.tremblay@mail.example", Lang.fr))

NOTES = {
    Lang.en: (
        "Gave a concrete example with the context, what they did and the result for users.",
        "Answered clearly; the example was recent and relevant, but the outcome was not measured.",
        "Described the approach in general terms; asked for an example, gave a short one.",
        "Strong answer: explained trade-offs and what they would do differently next time.",
    ),
    Lang.fr: (
        # Épicène (glossary): no « relancé », no « il ou elle »; a non-breaking space before « : ».
        "A donné un exemple concret\u00a0: le contexte, ses actions et le résultat pour les personnes utilisatrices.",
        "Réponse claire; exemple récent et pertinent, mais le résultat n'a pas été mesuré.",
        "A décrit sa démarche de façon générale; à la relance, a donné un court exemple.",
        "Très bonne réponse\u00a0: a expliqué les compromis et ce qui serait fait autrement la prochaine fois.",
    ),
}


@dataclass
class DemoSummary:
    postings: dict[str, int] = field(default_factory=dict)  # translation key -> posting id
    candidates: int = 0
    submitted: int = 0
    drafts: int = 0
    consensus: int = 0
    decisions: int = 0


def why_not_empty(session: Session) -> str | None:
    """None when the demo may load; otherwise what the database already holds."""
    postings_count = session.exec(select(func.count()).select_from(Posting)).one()
    if postings_count:
        return f"it already holds {postings_count} posting(s)"
    users = session.exec(select(User)).all()
    untouched_first_admin = len(users) == 1 and users[0].role == Role.admin and users[0].last_login_at is None
    if users and not untouched_first_admin:
        return f"it already holds {len(users)} user account(s)"
    return None


def load_demo(engine: Engine, *, today: date | None = None, examples_dir: Path = EXAMPLES_DIR) -> DemoSummary:
    """Load the demo into an empty database; raises :class:`DemoRefusedError` on one that holds work."""
    today = today or date.today()
    with write_session(engine) as session:
        # Two `demo --if-empty` at once (replicas starting together, issue #22): the second waits here,
        # then finds the first one's accounts and is refused instead of hitting the unique e-mail index.
        first_run_lock(session)
        reason = why_not_empty(session)
        if reason is not None:
            raise DemoRefusedError(
                f"The demo was not loaded: {reason}. Its accounts have published passwords, so it only goes into an "
                "empty database; point TRACKER_DATABASE_URL at a new one to try it."
            )
        people = _create_accounts(session)
        record_event(
            session, SYSTEM_ACTOR, action="demo.load", entity_type="database", entity_id=None,
            reason="Demo data with published passwords: this database is for trying the tracker only.",
        )
    manager = people["manager@northwind.example"]
    chair, elodie, priya = (people[e] for e in ("chair@northwind.example", "elodie@northwind.example", "priya@northwind.example"))

    summary = DemoSummary(postings=_import_postings(engine, manager, examples_dir))
    designer, engineer = summary.postings[DESIGNER_KEY], summary.postings[ENGINEER_KEY]
    with write_session(engine) as session:
        _set_dates(session, manager, designer, opened=today - timedelta(days=21), closed=today + timedelta(days=14))
        _set_dates(session, manager, engineer, opened=today - timedelta(days=90), closed=today - timedelta(days=30))
        panels.set_panel(session, manager, posting_id=designer, member_ids=[chair.id, elodie.id, priya.id], chair_id=chair.id)
        panels.set_panel(session, manager, posting_id=engineer, member_ids=[chair.id, elodie.id], chair_id=chair.id)
        applicants = candidates.import_candidates_csv(
            session, manager, posting_id=designer, data=DESIGNER_CANDIDATES_CSV.encode("utf-8")
        )
        engineers = [
            candidates.add_candidate(session, manager, posting_id=engineer, name=name, email=email, language=lang)
            for name, email, lang in ENGINEER_CANDIDATES
        ]
    summary.candidates = len(applicants) + len(engineers)
    amelie, daniel, genevieve = applicants[0], applicants[1], applicants[2]

    # Amélie: the whole panel submitted, the chair recorded consensus, the manager decided.
    for offset, interviewer in enumerate((chair, elodie, priya)):
        _score(engine, interviewer, amelie, base=4, offset=offset, submit=True, summary=summary)
    _record_consensus(engine, chair, amelie, summary)
    with write_session(engine) as session:
        decisions.record_decision(
            session, manager, candidate_id=amelie.id, outcome=DecisionOutcome.qualified,
            # Written in the official language Amélie chose, as the board would write to her file.
            rationale=(
                "Satisfait à toutes les qualifications essentielles au consensus; preuves les plus solides en "
                "pratique de la conception de services."
            ),
            expected_version=0,
        )
    summary.decisions += 1
    # Daniel: two submitted, Priya halfway through her draft.
    _score(engine, chair, daniel, base=3, offset=0, submit=True, summary=summary)
    _score(engine, elodie, daniel, base=3, offset=1, submit=True, summary=summary)
    _score(engine, priya, daniel, base=3, offset=2, submit=False, rate=0.5, summary=summary)
    # Geneviève: Priya declared a conflict of interest; the chair has started; Élodie has declared only.
    with write_session(engine) as session:
        scoring.declare(session, priya, candidate_id=genevieve.id, has_conflict=True, language=Lang.fr,
                        note="Former colleague on the same team until last year.")
        scoring.declare(session, elodie, candidate_id=genevieve.id, has_conflict=False, language=Lang.fr)
    _score(engine, chair, genevieve, base=4, offset=1, submit=False, rate=0.25, summary=summary)
    # The closed data engineer posting: one submitted scorecard.
    _score(engine, chair, engineers[0], base=3, offset=1, submit=True, summary=summary)
    return summary


def load_demo_if_empty(engine: Engine, *, today: date | None = None) -> DemoSummary | None:
    """What ``make run`` does: load into an empty database, leave any other one alone (None)."""
    with read_session(engine) as session:
        if why_not_empty(session) is not None:
            return None
    return load_demo(engine, today=today)


def _create_accounts(session: Session) -> dict[str, Actor]:
    people: dict[str, Actor] = {}
    for account in DEMO_ACCOUNTS:
        user = accounts.create_user(
            session, SYSTEM_ACTOR, email=account.email, display_name=account.display_name, role=account.role,
            password=account.password,
        )
        people[account.email] = Actor(id=user.id, email=user.email, display_name=user.display_name, role=user.role)
    return people


def _import_postings(engine: Engine, manager: Actor, examples_dir: Path) -> dict[str, int]:
    # Uploaded as files named relative to the project, as a manager's upload would be: the stored path
    # then says where the example lives in the repository, not where this machine keeps it.
    base = examples_dir.parent.parent
    files = [(path.relative_to(base).as_posix(), path.read_bytes()) for path in sorted(examples_dir.rglob("*.md"))]
    report = postings.import_postings(engine, manager, files=files)
    failed = [f"{item.path}: {item.error}" for item in report.items if item.action == "error"]
    found = {item.translation_key: item.posting_id for item in report.items if item.posting_id}
    missing = [key for key in (DESIGNER_KEY, ENGINEER_KEY) if key not in found]
    if failed or missing:
        raise DemoRefusedError(
            f"The demo postings in {examples_dir} could not be imported ({'; '.join(failed) or 'missing ' + ', '.join(missing)})."
        )
    return {key: int(pid) for key, pid in found.items() if key}


def _set_dates(session: Session, manager: Actor, posting_id: int, *, opened: date, closed: date) -> None:
    current = postings.get_posting(session, manager, posting_id=posting_id)
    postings.update_posting(session, manager, posting_id=posting_id, expected_version=current.version, opened_on=opened, closed_on=closed)


def _ratings(count: int, *, base: int, offset: int) -> list[int]:
    """Plausible, varied ratings on the 1-5 scale: near ``base``, differing a little by interviewer."""
    return [max(1, min(5, base + ((i + offset) % 3) - 1)) for i in range(count)]


def _score(
    engine: Engine,
    interviewer: Actor,
    candidate: candidates.CandidatePublic,
    *,
    base: int,
    offset: int,
    submit: bool,
    summary: DemoSummary,
    rate: float = 1.0,
) -> None:
    """One interviewer's declaration and scorecard for one candidate, as the scoring page would save it."""
    lang = Lang(candidate.language)
    with write_session(engine) as session:
        if scoring.get_declaration(session, interviewer, candidate_id=candidate.id) is None:
            scoring.declare(session, interviewer, candidate_id=candidate.id, has_conflict=False, language=lang)
        card = scoring.open_scorecard(session, interviewer, candidate_id=candidate.id)
        to_rate = card.scores[: max(1, round(len(card.scores) * rate))]
        ratings = _ratings(len(to_rate), base=base, offset=offset)
        for index, (score, rating) in enumerate(zip(to_rate, ratings, strict=True)):
            notes = NOTES[lang][(index + offset) % len(NOTES[lang])]
            scoring.save_draft_score(
                session, interviewer, scorecard_id=card.id, criterion_id=score.criterion_id, rating=rating, notes=notes
            )
        if submit:
            recommendation = Recommendation.yes if base >= 4 else Recommendation.no_decision
            overall = NOTES[lang][offset % len(NOTES[lang])]
            scoring.save_overall(session, interviewer, scorecard_id=card.id, recommendation=recommendation, overall_notes=overall)
            scoring.submit_scorecard(session, interviewer, scorecard_id=card.id)
            summary.submitted += 1
        else:
            summary.drafts += 1


def _record_consensus(engine: Engine, chair: Actor, candidate: candidates.CandidatePublic, summary: DemoSummary) -> None:
    """The median of the panel's ratings per criterion (always within their range, so no rationale is required)."""
    with write_session(engine) as session:
        cards = scoring.candidate_scorecards(session, chair, candidate_id=candidate.id)
        rubric = rubrics.current_rubric(session, chair, posting_id=candidate.posting_id)
        for criterion in rubric.criteria:
            given = sorted(
                s.rating for card in cards for s in card.scores if s.criterion_id == criterion.id and s.rating is not None
            )
            if not given:
                continue
            consensus.record_consensus(
                session, chair, candidate_id=candidate.id, criterion_id=criterion.id, rating=given[len(given) // 2],
                rationale=_consensus_rationale(Lang(candidate.language), given),
            )
            summary.consensus += 1


def _consensus_rationale(lang: Lang, given: Sequence[int]) -> str:
    if lang == Lang.fr:
        return f"Cotes individuelles {', '.join(map(str, given))}; le comité retient la médiane après discussion."
    return f"Individual ratings {', '.join(map(str, given))}; the board agreed on the median after discussion."


def accounts_table() -> list[str]:
    """The demo accounts as aligned text lines (for ``python -m tracker demo --accounts``)."""
    rows = [("E-mail", "Password", "Role", "Name", "In the demo")]
    rows += [(a.email, a.password, a.role.value, a.display_name, a.part) for a in DEMO_ACCOUNTS]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return ["  ".join(cell.ljust(widths[i]) if i < 4 else cell for i, cell in enumerate(row)).rstrip() for row in rows]
