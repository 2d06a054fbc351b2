"""The hostile-text sweep's payload and its seeding (issue #17, item 1), shared by the AppTest sweep
(tests/test_hostile_text_sweep.py) and the Chromium sweep (tests/browser/test_hostile_text_browser.py).

One payload carries every kind of syntax a Streamlit element might interpret: a Markdown image and a
link pointing at the payload's host, a bare URL and ``www.`` (literal autolinks), an e-mail-like
``name@host``, raw HTML with an image, a link and a style, Streamlit directives (``:red[…]``,
``:material/…:``, ``:smile:``, ``$math$``), emphasis, and control characters (an ANSI escape, a bell,
a right-to-left override). It is written into every field a person or a file fills, through the ORM
(fast) and through services where the audit trail must carry it too.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from factories import (
    criteria_of,
    criterion_dict,
    make_candidate,
    make_consensus,
    make_declaration,
    make_panel,
    make_posting,
    make_scorecard,
    make_user,
    rubric_of,
)
from sqlmodel import Session, select

from tracker.models import (
    Candidate,
    Decision,
    DecisionOutcome,
    Declaration,
    Lang,
    PostingSource,
    RatingLevel,
    Recommendation,
    Role,
    Scorecard,
    ScorecardStatus,
    utcnow,
)
from tracker.services import candidates
from tracker.services.actor import Actor

PHISH_HOST = "evil.example"


def payload(host: str) -> str:
    """≤ 200 characters (display names' limit) with every construct; ``host`` is the probe server."""
    return (
        f"![x](http://{host}/i.png) [Session expired](https://{PHISH_HOST}/l) http://{host}/b "
        f"www.{PHISH_HOST} <img src=http://{host}/h.png><b style=color:red>B</b> :red[R] "
        ":material/skull: :smile: $x^2$ **S** \x1b[31m\x07\u202eE"
    )


def hostile_email(n: int) -> str:
    """An address the service accepts that still looks like Markdown and autolinks."""
    return f"![x](http:{n})@{PHISH_HOST}"


# Substrings that only appear when payload syntax reaches Markdown un-neutralised (the helper escapes
# every one of these characters or breaks the pattern with an invisible word joiner).
def forbidden(host: str) -> tuple[str, ...]:
    return (
        f"](http://{host}", f"](https://{PHISH_HOST}", f"http://{host}", f"www.{PHISH_HOST}", f"@{PHISH_HOST}",
        ":red[R]", ":material/skull:", ":smile:", "<img", "<b style", "$x^2$", "**S**", "\x1b", "\x07",
    )  # fmt: skip


@dataclass
class Seeded:
    admin: str
    manager: str
    chair: str
    member: str
    conflicted: str
    posting: int
    candidate: int
    host: str

    @property
    def emails(self) -> dict[str, str]:
        return {
            "admin": self.admin, "manager": self.manager, "chair": self.chair, "member": self.member,
            "conflicted": self.conflicted,
        }  # fmt: skip


def seed_everywhere(session: Session, host: str) -> Seeded:
    """A posting whose every person- and file-written field carries the payload, with a panel, a
    conflict, submitted and reopened scorecards, a consensus, a decision and an audit trail."""
    p = payload(host)
    admin = make_user(session, role=Role.admin, display_name=f"Admin {p}"[:200])
    manager = make_user(session, role=Role.manager, display_name=f"Manager {p}"[:200])
    chair = make_user(session, role=Role.interviewer, display_name=f"Chair {p}"[:200])
    member = make_user(session, role=Role.interviewer, display_name=f"Member {p}"[:200])
    conflicted = make_user(session, role=Role.interviewer, display_name=f"Conflicted {p}"[:200])
    guide = {str(level): {"en": f"Guide {level} {p}", "fr": f"Guide {level} FR {p}"} for level in range(1, 6)}
    posting = make_posting(
        session, owner=manager, title_en=f"Analyst {p}", title_fr=f"Analyste {p}",
        criteria=[criterion_dict(i, text_en=f"Criterion {i} {p}", text_fr=f"Critère {i} {p}",
                                 section_en=f"Section {p}", section_fr=f"Section FR {p}",
                                 descriptors_json=json.dumps(guide)) for i in range(2)],
        description_en=f"Description {p}", description_fr=f"Description FR {p}",
    )  # fmt: skip
    for level in session.exec(select(RatingLevel).where(RatingLevel.rubric_id == rubric_of(session, posting).id)).all():
        level.label_en, level.label_fr = f"Level {level.value} {p}", f"Niveau {level.value} {p}"
        level.descriptor_en, level.descriptor_fr = f"Descriptor {p}", f"Descripteur {p}"
        session.add(level)
    for lang in (Lang.en, Lang.fr):
        session.add(
            PostingSource(
                posting_id=posting.id or 0, lang=lang, path=f"{p}.{lang.value}.md", content_hash=lang.value * 32,
                content=f"---\ntitle: x\n---\n\n# Analyst\n\n{p}\n\n- {p}\n",
            )
        )  # fmt: skip
    candidate = make_candidate(session, posting=posting, name=f"Sam {p}", email=hostile_email(1))
    second = make_candidate(session, posting=posting, name=f"Alex {p}", email=hostile_email(2))
    make_panel(session, posting=posting, members=[chair, member, conflicted], chair=chair)
    for person in (chair, member):
        make_scorecard(session, candidate=candidate, interviewer=person, ratings=[3, 4], notes=f"Note {p}",
                       status=ScorecardStatus.submitted, recommendation=Recommendation.yes)  # fmt: skip
    make_scorecard(session, candidate=second, interviewer=member, ratings=[2, None], notes=f"Draft {p}")
    cards = session.exec(select(Scorecard).where(Scorecard.candidate_id == candidate.id)).all()
    for card in cards:
        card.overall_notes = f"Overall {p}"
        session.add(card)
    reopened = cards[0]
    reopened.status, reopened.reopened_at, reopened.reopen_reason = ScorecardStatus.draft, utcnow(), f"Reason {p}"
    session.add(reopened)
    for cand in (candidate, second):
        declaration = make_declaration(session, candidate=cand, user=conflicted, has_conflict=True)
        declaration.conflict_note = f"Conflict {p}"
        session.add(declaration)
    for criterion in criteria_of(session, rubric_of(session, posting)):
        make_consensus(
            session, candidate=candidate, criterion=criterion, rating=3, rationale=f"Rationale {p}", by=chair
        )
    session.add(Decision(candidate_id=candidate.id or 0, outcome=DecisionOutcome.qualified, rationale=f"Decision {p}",
                         decided_by_id=manager.id))  # fmt: skip
    session.flush()
    # Through the service: the audit trail's before/after carry the payload too.
    fresh = session.get(Candidate, second.id)
    assert fresh is not None
    candidates.update_candidate(session, Actor.from_user(manager), candidate_id=fresh.id or 0,
                                expected_version=fresh.version, name=f"Alexis {p}")  # fmt: skip
    assert session.exec(select(Declaration).where(Declaration.has_conflict)).first() is not None
    return Seeded(admin.email, manager.email, chair.email, member.email, conflicted.email, posting.id or 0,
                  candidate.id or 0, host)  # fmt: skip


def assert_payload_inert_in_text(text: str, host: str, where: str) -> None:
    """No forbidden token, except an HTML tag whose ``<`` is backslash-escaped (Markdown shows it as text)."""
    found = [
        token for token in forbidden(host)
        if (re.search(r"(?<!\\)" + re.escape(token), text) if token.startswith("<") else token in text)
    ]  # fmt: skip
    assert not found, f"{where}: payload syntax reached Markdown un-neutralised: {found}\n{text[:600]!r}"


__all__ = ["Seeded", "assert_payload_inert_in_text", "forbidden", "hostile_email", "payload", "seed_everywhere"]
_ = Any
