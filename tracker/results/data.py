"""Load one posting's assessment data as tidy pandas frames, once, for every results figure.

Every figure on the results page (merit view, agreement, calibration, completeness, reports, exports)
is a pure function of these frames, so the page pays for the database once per rerun and the
computations can be tested without one. Each frame is one SQL statement with its joins done by the
database (no per-candidate queries), which keeps a 2,000-candidate posting to a handful of queries.

Only *submitted* scorecards contribute ratings: a draft is an interviewer's work in progress and, under
blind scoring, not yet evidence. A reader who also sits on the panel (a manager on their own panel) is
blind for the candidates whose scorecard they have not yet submitted with a criterion rated
(:mod:`tracker.services.blind`): every frame drops colleagues' ratings, consensus, recommendations and
notes for those candidates, so the merit view, charts, reports and exports cannot show them. Access is checked first with the services' own rule
(:func:`tracker.services.permissions.require_results_access`): results show every interviewer's
ratings, so only the posting's manager and administrators may load them.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Select, and_, case, false, func, literal, null, select, true, union_all
from sqlalchemy.orm import aliased
from sqlmodel import Session

from tracker.models import (
    CRITERION_SETTINGS,
    Candidate,
    Consensus,
    Criterion,
    Decision,
    Declaration,
    PanelMember,
    RatingLevel,
    Rubric,
    Score,
    Scorecard,
    ScorecardStatus,
    User,
)
from tracker.services.actor import Actor
from tracker.services.audit import posting_revision
from tracker.services.blind import blind_candidate_ids
from tracker.services.permissions import require_results_access

# Completion states of one panel member for one candidate (the ``status`` column of ``scorecards``).
SUBMITTED = "submitted"
DRAFT = "draft"
NOT_STARTED = "not_started"
CONFLICT = "conflict"

CANDIDATE_COLUMNS = [
    "candidate_id", "label", "label_number", "name", "language", "status",
    "decision", "decision_override_reason", "decision_rationale", "decided_by", "decided_at",
]  # fmt: skip
# A criterion's place, then every setting of the model family (kind, texts, weight, pass mark, …).
CRITERIA_COLUMNS = [
    "criterion_id", "rubric_id", "rubric_version", "current", "lineage", "number", *CRITERION_SETTINGS,
]  # fmt: skip
SCORE_COLUMNS = [
    "scorecard_id", "candidate_id", "interviewer_id", "interviewer", "criterion_id", "lineage",
    "rubric_version", "rating", "not_assessed", "notes",
]  # fmt: skip
CONSENSUS_COLUMNS = [
    "candidate_id", "criterion_id", "lineage", "rubric_version", "rating", "not_assessed", "rationale",
    "justification", "below_min_reason", "decided_by_id", "decided_by", "decided_at",
]  # fmt: skip
SCORECARD_COLUMNS = [
    "candidate_id", "interviewer_id", "interviewer", "on_panel", "scorecard_id", "status", "rubric_version",
    "recommendation", "overall_notes", "created_at", "submitted_at", "reopened_at", "reopen_reason",
    "reopened_after_peek",
]  # fmt: skip
DECLARATION_COLUMNS = [
    "candidate_id", "user_id", "user", "has_conflict", "conflict_note", "language", "declared_at",
]  # fmt: skip
PANEL_COLUMNS = ["user_id", "display_name", "email", "is_chair"]
LEVEL_COLUMNS = ["value", "label_en", "label_fr", "descriptor_en", "descriptor_fr"]
RATING_COLUMNS = ["candidate_id", "criterion_id", "n_ratings", "rating_sum", "n_not_assessed"]

DEFAULT_SCALE = (1, 5)


class FrameNotLoadedError(RuntimeError):
    """A figure needs a frame that this load skipped (see :func:`load_merit_frames`)."""


@dataclass(frozen=True)
class PostingInfo:
    """The posting header the reports print and the page shows above the figures."""

    posting_id: int
    translation_key: str
    title_en: str | None
    title_fr: str | None
    opened_on: date | None
    closed_on: date | None
    rubric_id: int | None
    rubric_version: int | None

    def title(self, lang: str) -> str:
        """The title in ``lang``, falling back to the other language, then to the key."""
        first, second = (self.title_fr, self.title_en) if lang == "fr" else (self.title_en, self.title_fr)
        return first or second or self.translation_key


def _empty(columns: Sequence[str]) -> pd.DataFrame:
    return normalise_frame(pd.DataFrame({name: [] for name in columns}))


@dataclass(frozen=True)
class PostingFrames:
    """Everything the results figures need about one posting (column lists are the ``*_COLUMNS`` above).

    ``scores`` are the individual ratings of *submitted* scorecards (with ``notes`` only when asked);
    ``ratings`` their per candidate x criterion aggregates; ``scorecards`` one row per panel member x
    candidate (plus scorecards by people no longer on the panel) with its completion ``status``.
    ``scores``, ``scorecards`` and ``declarations`` are None when the load skipped them: use
    :meth:`need`, which says so clearly instead of computing a figure from nothing.
    """

    posting: PostingInfo
    candidates: pd.DataFrame
    criteria: pd.DataFrame
    consensus: pd.DataFrame
    scores: pd.DataFrame | None = None
    scorecards: pd.DataFrame | None = None
    declarations: pd.DataFrame | None = None
    panel: pd.DataFrame = field(default_factory=lambda: _empty(PANEL_COLUMNS))
    levels: pd.DataFrame = field(default_factory=lambda: _empty(LEVEL_COLUMNS))
    ratings: pd.DataFrame | None = None

    def need(self, name: str) -> pd.DataFrame:
        """The frame ``name`` (``scores``, ``scorecards``, ``declarations``), or an error naming the loader to use."""
        frame = getattr(self, name)
        if frame is None:
            raise FrameNotLoadedError(
                f"This figure needs the {name} frame, which this load skipped: "
                "load the posting with load_posting_frames() instead of load_merit_frames()."
            )
        return frame

    @property
    def rating_aggregates(self) -> pd.DataFrame:
        """Per candidate x criterion: ``n_ratings``, ``rating_sum``, ``n_not_assessed`` of submitted ratings.

        Read from the database by the loaders (a GROUP BY), or computed from ``scores`` for frames built
        by hand; a test checks that both ways agree.
        """
        if self.ratings is not None:
            return self.ratings
        return aggregate_scores(self.need("scores"))

    @property
    def current_criteria(self) -> pd.DataFrame:
        """The criteria of the current rubric version, in their order: the columns of the merit view."""
        crit = self.criteria
        return crit[crit["current"].astype(bool)].sort_values("number").reset_index(drop=True)

    @property
    def scale(self) -> tuple[int, int]:
        """Lowest and highest rating of the current scale (1-5 when the rubric defines none)."""
        if self.levels.empty:
            return DEFAULT_SCALE
        values = self.levels["value"].astype(int)
        return int(values.min()), int(values.max())


def load_posting_frames(
    session: Session,
    actor: Actor,
    *,
    posting_id: int,
    candidate_ids: Collection[int] | None = None,
    notes: bool = False,
) -> PostingFrames:
    """Check the actor may see this posting's results, then read every frame, one statement each.

    ``candidate_ids`` narrows every candidate-level frame (one record of decision need not read 2,000
    candidates); criteria, levels and the panel are always whole. Evidence ``notes`` are read only when
    asked (reports, raw-score exports): no figure needs them and they are the bulk of the data.
    """
    return _load(session, actor, posting_id, candidate_ids, full=True, notes=notes)


def latest_change(session: Session, actor: Actor, *, posting_id: int) -> str:
    """The posting's revision, as text: a cache key for its results.

    Every write to the posting's data moves its revision in its own transaction (see
    ``tracker.services.audit.touch_postings``), renames of panel members included, so this moves exactly
    when such a write commits, whichever process or replica made it and whatever its clock says
    (issue #22: an event time missed writes that committed out of order or came from a lagging clock).
    """
    require_results_access(session, actor, posting_id)
    return str(posting_revision(session, posting_id))


def load_merit_frames(session: Session, actor: Actor, *, posting_id: int) -> PostingFrames:
    """The least the merit view needs: candidates, criteria, per-cell rating aggregates, consensus.

    ``scores``, ``scorecards`` and ``declarations`` are left out (None), and ``candidates`` and
    ``consensus`` keep only the columns the merit view uses (no decision or consensus rationale, no
    deciders, no dates), which keeps a 2,000-candidate merit view close to the cost of the database's
    own GROUP BY (see ``bench/results.py``). Reports and exports of raw scores use
    :func:`load_posting_frames`.
    """
    return _load(session, actor, posting_id, None, full=False, notes=False)


def _load(
    session: Session, actor: Actor, posting_id: int, candidate_ids: Collection[int] | None, *, full: bool, notes: bool
) -> PostingFrames:
    posting = require_results_access(session, actor, posting_id)
    rubrics = session.execute(
        select(Rubric.id, Rubric.version_number).where(Rubric.posting_id == posting_id).order_by(Rubric.version_number)
    ).all()
    current = rubrics[-1] if rubrics else None
    info = PostingInfo(
        posting_id=posting_id,
        translation_key=posting.translation_key,
        title_en=posting.title_en,
        title_fr=posting.title_fr,
        opened_on=posting.opened_on,
        closed_on=posting.closed_on,
        rubric_id=current.id if current else None,
        rubric_version=current.version_number if current else None,
    )
    ids = None if candidate_ids is None else sorted({int(i) for i in candidate_ids})
    criteria = _frame(session, _criteria_query(posting_id, info.rubric_id), CRITERIA_COLUMNS)
    # The merit view needs neither rationales nor who decided when: the lean load skips those columns.
    consensus_columns = _CONSENSUS_QUERY_COLUMNS if full else _LEAN_CONSENSUS_QUERY_COLUMNS
    consensus = _frame(session, _consensus_query(posting_id, ids, detail=full), consensus_columns)
    consensus = _with_criterion(consensus, criteria)
    consensus = consensus[[c for c in CONSENSUS_COLUMNS if c in consensus.columns]]
    scores = scorecards = declarations = None
    if full:
        scorecards = _scorecards_frame(session, posting_id, ids)
        score_columns = [*_SCORE_QUERY_COLUMNS, "notes"] if notes else _SCORE_QUERY_COLUMNS
        scores = _frame(session, _scores_query(posting_id, ids, notes=notes), score_columns)
        scores = _with_criterion(scores, criteria)
        names = scorecards.drop_duplicates("interviewer_id").set_index("interviewer_id")["interviewer"]
        scores["interviewer"] = scores["interviewer_id"].map(names)
        scores = scores[[c for c in SCORE_COLUMNS if c in scores.columns]]
        declarations = _frame(session, _declarations_query(posting_id, ids), DECLARATION_COLUMNS)
    # With the individual scores at hand, pandas aggregates them faster than a second pass in SQL.
    ratings = aggregate_scores(scores) if scores is not None else _frame(session, _ratings_query(posting_id, ids), RATING_COLUMNS)
    blind = blind_candidate_ids(session, actor, posting_id)
    if blind:
        consensus, scores, ratings, scorecards = _blindfold(blind, actor, consensus, scores, ratings, scorecards)
    return PostingFrames(
        posting=info,
        candidates=_frame(
            session,
            _candidates_query(posting_id, ids, detail=full),
            CANDIDATE_COLUMNS if full else _LEAN_CANDIDATE_COLUMNS,
        ),
        criteria=criteria,
        consensus=consensus,
        scores=scores,
        scorecards=scorecards,
        declarations=declarations,
        panel=_frame(session, _panel_query(posting_id), PANEL_COLUMNS),
        levels=_levels_frame(session, info.rubric_id),
        ratings=ratings,
    )


def _blindfold(
    blind: set[int],
    actor: Actor,
    consensus: pd.DataFrame,
    scores: pd.DataFrame | None,
    ratings: pd.DataFrame,
    scorecards: pd.DataFrame | None,
) -> tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame, pd.DataFrame | None]:
    """Blind scoring for a reader who sits on the panel (issue #10): for the candidates they have not
    yet unlocked (``blind``), drop every colleague's rating and the consensus, and blank colleagues'
    recommendations and notes; who has submitted stays visible (it is not a rating)."""
    ids = sorted(blind)

    def keep(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[~frame["candidate_id"].astype(int).isin(ids)].reset_index(drop=True)

    consensus, ratings = keep(consensus), keep(ratings)
    if scores is not None:
        scores = keep(scores)
    if scorecards is not None and not scorecards.empty:
        scorecards = scorecards.copy()
        hidden = scorecards["candidate_id"].astype(int).isin(ids) & (scorecards["interviewer_id"].astype("Int64") != actor.id)
        for column in ("recommendation", "overall_notes", "reopen_reason"):
            scorecards[column] = scorecards[column].astype(object).where(~hidden.to_numpy(), None)
    return consensus, scores, ratings, scorecards


def load_candidate_merit_frames(session: Session, actor: Actor, *, posting_id: int, candidate_id: int) -> PostingFrames:
    """One candidate's frames for a verdict (the decision service): consensus with justifications, no notes."""
    return _load(session, actor, posting_id, [candidate_id], full=True, notes=False)


def current_ratings(frames: PostingFrames) -> pd.DataFrame:
    """Submitted ratings (not "not assessed") mapped to the current criterion with the same lineage.

    Columns: candidate_id, interviewer_id, criterion_id and number of the *current* criterion, kind,
    rating (float). Ratings on criteria removed from the current rubric are left out. Matching is done
    on integer ids (a criterion id of any version -> the current id), which keeps 48,000 rows cheap.
    """
    current = frames.current_criteria
    by_lineage = dict(zip(current["lineage"], current["criterion_id"].astype(int), strict=True))
    to_current = pd.Series(
        [by_lineage.get(lineage, -1) for lineage in frames.criteria["lineage"]],
        index=frames.criteria["criterion_id"].astype(int).to_numpy(),
        dtype=int,
    )
    scores = frames.need("scores")
    rated = scores[scores["rating"].notna() & ~scores["not_assessed"].astype(bool)]
    mapped = to_current.reindex(rated["criterion_id"].astype(int).to_numpy()).fillna(-1).to_numpy(dtype=int)
    keep = mapped >= 0
    info = current.set_index(current["criterion_id"].astype(int))
    criterion = mapped[keep]
    return pd.DataFrame(
        {
            "candidate_id": rated["candidate_id"].astype(int).to_numpy()[keep],
            "interviewer_id": rated["interviewer_id"].astype(int).to_numpy()[keep],
            "criterion_id": criterion,
            "number": info["number"].astype(int).reindex(criterion).to_numpy(),
            "kind": info["kind"].astype(object).reindex(criterion).to_numpy(),
            "rating": rated["rating"].astype(float).to_numpy()[keep],
        }
    )


def aggregate_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """The per candidate x criterion aggregates of individual ratings ("not assessed" counted apart).

    The pure-pandas twin of :func:`_ratings_query`, for frames built without a database.
    """
    rated = scores["rating"].notna() & ~scores["not_assessed"].astype(bool)
    work = pd.DataFrame(
        {
            "candidate_id": scores["candidate_id"],
            "criterion_id": scores["criterion_id"],
            "rating": scores["rating"].astype("Float64").where(rated),
            "not_assessed": scores["not_assessed"].astype(bool).astype(int),
        }
    )
    grouped = work.groupby(["candidate_id", "criterion_id"], sort=True)
    out = grouped.agg(
        n_ratings=("rating", "count"),
        rating_sum=("rating", "sum"),
        n_not_assessed=("not_assessed", "sum"),
    ).reset_index()
    return normalise_frame(out)[RATING_COLUMNS]


def _fetch(session: Session, query: Any) -> list[tuple[Any, ...]]:
    """Rows as plain tuples straight from the DBAPI cursor.

    SQLAlchemy compiles the statement and binds its parameters as usual; only its per-value result
    processing and Row objects are skipped, which cost more than the query itself for 48,000 rows.
    Every column is then converted once, as a vector, by :func:`_column` (ints, booleans, ISO or
    driver datetimes, enum names), which works the same for SQLite and PostgreSQL drivers.
    """
    result = session.connection().execute(query)
    try:
        return list(result.cursor.fetchall()) if result.cursor is not None else []
    finally:
        result.close()


def _frame(session: Session, query: Any, columns: Sequence[str]) -> pd.DataFrame:
    rows = _fetch(session, query)
    if not rows:
        return _empty(columns)
    if all(name in _INT_COLUMNS or name in _BOOL_COLUMNS or name in _FLOAT_COLUMNS for name in columns):
        return _numeric_frame(rows, columns)
    data = {name: _column(name, list(values)) for name, values in zip(columns, zip(*rows, strict=True), strict=True)}
    return pd.DataFrame(data, columns=list(columns), copy=False)


def _numeric_frame(rows: list[tuple[Any, ...]], columns: Sequence[str]) -> pd.DataFrame:
    """All-number rows (the rating aggregates) in one numpy conversion; None becomes a missing value."""
    matrix = np.array(rows, dtype=float)
    data: dict[str, Any] = {}
    for j, name in enumerate(columns):
        column = matrix[:, j]
        if name in _INT_COLUMNS:
            missing = np.isnan(column)
            data[name] = pd.arrays.IntegerArray(np.where(missing, 0, column).astype(np.int64), missing)
        elif name in _BOOL_COLUMNS:
            data[name] = np.nan_to_num(column) != 0
        else:
            data[name] = column
    return pd.DataFrame(data, columns=list(columns))


def _with_criterion(frame: pd.DataFrame, criteria: pd.DataFrame) -> pd.DataFrame:
    """Add each row's criterion ``lineage`` and ``rubric_version`` from the small criteria frame.

    Mapped here rather than joined in SQL: the join would repeat for each of 48,000 score rows.
    """
    by_criterion = criteria.set_index("criterion_id")
    out = frame.copy()
    out["lineage"] = out["criterion_id"].map(by_criterion["lineage"])
    out["rubric_version"] = out["criterion_id"].map(by_criterion["rubric_version"]).astype("Int64")
    return out


# Columns with a fixed dtype, so an empty frame, a loaded one and a hand-built one look alike.
_INT_COLUMNS = {
    "candidate_id", "label_number", "criterion_id", "rubric_id", "rubric_version", "number", "pass_mark",
    "min_raters", "scorecard_id", "interviewer_id", "rating", "decided_by_id", "user_id", "value",
    "n_ratings", "rating_sum", "n_not_assessed",
}  # fmt: skip
_BOOL_COLUMNS = {"current", "not_assessed", "on_panel", "has_conflict", "is_chair", "reopened_after_peek"}
_DATETIME_COLUMNS = {"decided_at", "created_at", "submitted_at", "reopened_at", "declared_at"}
_FLOAT_COLUMNS = {"weight"}


def _int_array(values: list[Any]) -> Any:
    try:
        return pd.array(np.fromiter(values, dtype=np.int64, count=len(values)), dtype="Int64")
    except (TypeError, ValueError):  # missing values: a nullable integer array
        return pd.array([None if v is None else int(v) for v in values], dtype="Int64")


def _column(name: str, values: list[Any]) -> Any:
    """One column as its proper dtype (see ``_INT_COLUMNS`` and friends), converted in one step."""
    if name in _INT_COLUMNS:
        return _int_array(values)
    if name in _BOOL_COLUMNS:
        return np.array(values, dtype=bool)  # None (a missing outer-join row) reads as False
    if name in _FLOAT_COLUMNS:
        return np.array(values, dtype=float)
    if name in _DATETIME_COLUMNS:
        return pd.to_datetime(pd.Series(values, dtype=object), utc=True, format="ISO8601")
    if any(isinstance(v, enum.Enum) for v in values[:1]):
        values = [v.value if isinstance(v, enum.Enum) else v for v in values]
    # Plain object columns: pandas' default Arrow-backed strings cost more to build than they save here.
    return pd.Series(values, dtype=object)


def normalise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Give known columns their dtype: nullable integers, booleans, tz-aware UTC datetimes, enum values.

    Tests build frames by hand and pass them through this too, so hand-made and loaded frames agree.
    """
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if column in _INT_COLUMNS:
            out[column] = series.astype("Int64")
        elif column in _BOOL_COLUMNS:
            out[column] = series.astype(object).fillna(False).astype(bool)
        elif column in _FLOAT_COLUMNS:
            out[column] = series.astype(float)
        elif column in _DATETIME_COLUMNS:
            out[column] = pd.to_datetime(series, utc=True, format="ISO8601")
        elif pd.api.types.is_string_dtype(series.dtype) or series.dtype == object:
            out[column] = series.astype(object).map(lambda v: v.value if isinstance(v, enum.Enum) else v)
    return out


_LEAN_CANDIDATE_COLUMNS = CANDIDATE_COLUMNS[:8]  # through the override: what the merit view shows


def _candidates_query(posting_id: int, ids: list[int] | None, *, detail: bool = True) -> Select[Any]:
    columns: list[Any] = [
        Candidate.id, Candidate.label, Candidate.label_number, Candidate.name, Candidate.language,
        Candidate.status, Decision.outcome, Decision.override_reason,
    ]  # fmt: skip
    decider = aliased(User)
    if detail:
        columns += [Decision.rationale, decider.display_name, Decision.decided_at]
    query = (
        select(*columns)
        .outerjoin(Decision, Decision.candidate_id == Candidate.id)
        .where(Candidate.posting_id == posting_id)
        .order_by(Candidate.label_number)
    )
    if detail:
        query = query.outerjoin(decider, decider.id == Decision.decided_by_id)
    return query if ids is None else query.where(Candidate.id.in_(ids))


def _criteria_query(posting_id: int, current_rubric_id: int | None) -> Select[Any]:
    return (
        select(
            Criterion.id, Criterion.rubric_id, Rubric.version_number,
            (Criterion.rubric_id == (current_rubric_id if current_rubric_id is not None else -1)),
            Criterion.lineage, Criterion.number, *(getattr(Criterion, name) for name in CRITERION_SETTINGS),
        )  # fmt: skip
        .join(Rubric, Rubric.id == Criterion.rubric_id)
        .where(Rubric.posting_id == posting_id)
        .order_by(Rubric.version_number, Criterion.number)
    )


_SCORE_QUERY_COLUMNS = ["scorecard_id", "candidate_id", "interviewer_id", "criterion_id", "rating", "not_assessed"]
_CONSENSUS_QUERY_COLUMNS = [
    "candidate_id", "criterion_id", "rating", "not_assessed", "rationale", "justification", "below_min_reason",
    "decided_by_id", "decided_by", "decided_at",
]  # fmt: skip


def _submitted_in_posting(posting_id: int, ids: list[int] | None) -> Any:
    condition = and_(Candidate.posting_id == posting_id, Scorecard.status == ScorecardStatus.submitted)
    return condition if ids is None else and_(condition, Candidate.id.in_(ids))


def _scores_query(posting_id: int, ids: list[int] | None, *, notes: bool) -> Select[Any]:
    # Lineage, rubric version and names are mapped in from the small frames, not joined per row.
    columns = [
        Scorecard.id, Scorecard.candidate_id, Scorecard.interviewer_id, Score.criterion_id, Score.rating,
        Score.not_assessed,
    ]  # fmt: skip
    if notes:
        columns.append(Score.notes)
    return (
        select(*columns)
        .select_from(Score)
        .join(Scorecard, Scorecard.id == Score.scorecard_id)
        .join(Candidate, Candidate.id == Scorecard.candidate_id)
        .where(_submitted_in_posting(posting_id, ids))
    )


def _ratings_query(posting_id: int, ids: list[int] | None) -> Select[Any]:
    """Per candidate x criterion aggregates of submitted ratings, computed by the database."""
    rating = case((and_(Score.rating.is_not(None), Score.not_assessed == false()), Score.rating), else_=None)
    return (
        select(
            Scorecard.candidate_id, Score.criterion_id, func.count(rating), func.sum(rating),
            func.sum(case((Score.not_assessed == true(), 1), else_=0)),
        )  # fmt: skip
        .select_from(Score)
        .join(Scorecard, Scorecard.id == Score.scorecard_id)
        .join(Candidate, Candidate.id == Scorecard.candidate_id)
        .where(_submitted_in_posting(posting_id, ids))
        .group_by(Scorecard.candidate_id, Score.criterion_id)
    )


_LEAN_CONSENSUS_QUERY_COLUMNS = ["candidate_id", "criterion_id", "rating", "not_assessed"]


def _consensus_query(posting_id: int, ids: list[int] | None, *, detail: bool = True) -> Select[Any]:
    columns: list[Any] = [Consensus.candidate_id, Consensus.criterion_id, Consensus.rating, Consensus.not_assessed]
    decider = aliased(User)
    if detail:
        columns += [
            Consensus.rationale, Consensus.justification, Consensus.below_min_reason, Consensus.decided_by_id,
            decider.display_name, Consensus.decided_at,
        ]  # fmt: skip
    query = (
        select(*columns)
        .select_from(Consensus)
        .join(Candidate, Candidate.id == Consensus.candidate_id)
        .where(Candidate.posting_id == posting_id)
    )
    if detail:
        query = query.outerjoin(decider, decider.id == Consensus.decided_by_id)
    return query if ids is None else query.where(Candidate.id.in_(ids))


def _scorecards_frame(session: Session, posting_id: int, ids: list[int] | None) -> pd.DataFrame:
    """One row per panel member x candidate, plus scorecards of people who have left the panel."""
    sc_rubric = aliased(Rubric)
    cols = (
        Scorecard.id, Scorecard.status, sc_rubric.version_number, Scorecard.recommendation,
        Scorecard.overall_notes, Scorecard.created_at, Scorecard.submitted_at,
        Scorecard.reopened_at, Scorecard.reopen_reason, Scorecard.reopened_after_peek,
    )  # fmt: skip
    members = (
        select(Candidate.id, PanelMember.user_id, User.display_name, literal(True), *cols, Declaration.has_conflict)
        .select_from(Candidate)
        .join(PanelMember, PanelMember.posting_id == Candidate.posting_id)
        .join(User, User.id == PanelMember.user_id)
        .outerjoin(Scorecard, and_(Scorecard.candidate_id == Candidate.id, Scorecard.interviewer_id == User.id))
        .outerjoin(sc_rubric, sc_rubric.id == Scorecard.rubric_id)
        .outerjoin(Declaration, and_(Declaration.candidate_id == Candidate.id, Declaration.user_id == User.id))
        .where(Candidate.posting_id == posting_id)
    )
    former_member = aliased(PanelMember)
    former = (
        select(Candidate.id, Scorecard.interviewer_id, User.display_name, false(), *cols, null())
        .select_from(Scorecard)
        .join(Candidate, Candidate.id == Scorecard.candidate_id)
        .join(User, User.id == Scorecard.interviewer_id)
        .join(sc_rubric, sc_rubric.id == Scorecard.rubric_id)
        .outerjoin(
            former_member,
            and_(former_member.posting_id == Candidate.posting_id, former_member.user_id == Scorecard.interviewer_id),
        )
        .where(Candidate.posting_id == posting_id, former_member.id.is_(None))
    )
    if ids is not None:
        members = members.where(Candidate.id.in_(ids))
        former = former.where(Candidate.id.in_(ids))
    frame = _frame(session, union_all(members, former), [*SCORECARD_COLUMNS, "has_conflict"])
    # A draft is its author's work in progress: nobody reads its recommendation or notes here (#10).
    draft = (frame["status"].astype(object) != ScorecardStatus.submitted.value).to_numpy() if not frame.empty else []
    if len(draft):
        for column in ("recommendation", "overall_notes"):
            frame[column] = frame[column].astype(object).where(~draft, None)
    frame["status"] = _completion_status(frame)
    frame = frame.drop(columns="has_conflict")
    return frame.sort_values(["candidate_id", "interviewer"], kind="stable").reset_index(drop=True)


def _completion_status(frame: pd.DataFrame) -> pd.Series:
    """``submitted`` / ``draft`` / ``not_started``, or ``conflict`` for a member who declared one."""
    status = frame["status"].astype(object).where(frame["scorecard_id"].notna(), NOT_STARTED)
    status = status.where(~frame["has_conflict"].astype(bool) | (status == SUBMITTED), CONFLICT)
    return status.astype(str)


def _declarations_query(posting_id: int, ids: list[int] | None) -> Select[Any]:
    query = (
        select(
            Declaration.candidate_id, Declaration.user_id, User.display_name, Declaration.has_conflict,
            Declaration.conflict_note, Declaration.language, Declaration.declared_at,
        )  # fmt: skip
        .join(Candidate, Candidate.id == Declaration.candidate_id)
        .join(User, User.id == Declaration.user_id)
        .where(Candidate.posting_id == posting_id)
        .order_by(Declaration.candidate_id, User.display_name)
    )
    return query if ids is None else query.where(Candidate.id.in_(ids))


def _panel_query(posting_id: int) -> Select[Any]:
    return (
        select(PanelMember.user_id, User.display_name, User.email, PanelMember.is_chair)
        .join(User, User.id == PanelMember.user_id)
        .where(PanelMember.posting_id == posting_id)
        .order_by(PanelMember.is_chair.desc(), User.display_name)
    )


def _levels_frame(session: Session, rubric_id: int | None) -> pd.DataFrame:
    if rubric_id is None:
        return _empty(LEVEL_COLUMNS)
    query = (
        select(
            RatingLevel.value, RatingLevel.label_en, RatingLevel.label_fr, RatingLevel.descriptor_en,
            RatingLevel.descriptor_fr,
        )  # fmt: skip
        .where(RatingLevel.rubric_id == rubric_id)
        .order_by(RatingLevel.value)
    )
    return _frame(session, query, LEVEL_COLUMNS)
