"""Candidates and panels (issue #4 §6): add, edit and delete candidates, import them from a CSV file
with a preview and row-level errors, choose the panel and its chair, record decisions. Admins and the
posting's manager."""

from typing import Any

import pandas as pd
import streamlit as st
from sqlmodel import Session

from app_pages import _common as common
from app_pages import frame
from tracker.models import CandidateStatus, DecisionOutcome, Lang, Role
from tracker.services import ConflictError, accounts, candidates, decisions, panels
from tracker.services.actor import Actor
from tracker.services.decisions import DecisionPublic

CSV_ROUND_KEY = "candidates_csv_round"  # bumped after an import so the uploader empties
DELETE_KEY = "candidates_pending_delete"  # id of the candidate whose deletion awaits confirmation
CSV_TEMPLATE = (
    "name,email,language\n"
    "Camille Tremblay,camille.tremblay@example.com,fr\n"
    "Jordan Smith,jordan.smith@example.com,en\n"
)

actor = frame.require_roles(Role.admin, Role.manager)
_ = frame.translator()
st.title(_("Candidates and panels"))


def delete_candidate(session: Session, actor: Actor, *, candidate_id: int) -> bool:
    """The service returns nothing; True tells the page that it ran."""
    candidates.delete_candidate(session, actor, candidate_id=candidate_id)
    return True


selected = common.choose_managed_posting(actor, key="candidates_posting", empty_message=_("No posting to set up yet: import one on the Postings page."))
people = frame.service_call(candidates.list_candidates, actor, posting_id=selected.id)
if people is None:
    st.stop()
by_id = {c.id: c for c in people}
# One query for the whole posting (a decision per candidate would be three queries per row).
decided: dict[int, DecisionPublic] = frame.service_call(decisions.posting_decisions, actor, posting_id=selected.id) or {}


def candidate_label(candidate_id: int) -> str:
    candidate = by_id[candidate_id]
    return f"{candidate.label} · {candidate.name}"


def language_label(lang: Any) -> str:
    return common.label(common.LANGUAGE_LABELS, Lang(lang))


tab_people, tab_csv, tab_panel, tab_decisions = st.tabs(
    [_("Candidates"), _("Import from a CSV file"), _("Panel"), _("Decisions")]
)

# --- candidates -----------------------------------------------------------------------------------
with tab_people:
    if people:
        st.dataframe(
            pd.DataFrame(
                {
                    _("Label"): [c.label for c in people],
                    _("Name"): [c.name for c in people],
                    _("E-mail"): [c.email for c in people],
                    _("Language of assessment"): [language_label(c.language) for c in people],
                    _("Status"): [common.label(common.CANDIDATE_STATUS_LABELS, c.status) for c in people],
                    _("Decision"): [
                        common.label(common.OUTCOME_LABELS, d.outcome) if (d := decided.get(c.id)) else "—" for c in people
                    ],
                }
            ),
            hide_index=True,
        )
        st.caption(_("Panel members see the label and the name; anonymised views and the audit log show only the label."))
    else:
        st.info(_("No candidates yet: add them below or import a CSV file."))

    with st.expander(_("Add a candidate"), expanded=not people):
        with st.form("candidates_add", clear_on_submit=True):
            name = st.text_input(_("Name"), max_chars=candidates.MAX_NAME, key="candidates_add_name")
            email = st.text_input(_("E-mail"), max_chars=candidates.MAX_EMAIL, key="candidates_add_email")
            language = st.selectbox(
                _("Language of assessment"), [Lang.en, Lang.fr], format_func=common.label_func(common.LANGUAGE_LABELS), key="candidates_add_language"
            )
            add = st.form_submit_button(_("Add the candidate"), type="primary", key="candidates_add_submit")
        if add:
            created = frame.service_call(
                candidates.add_candidate, actor, posting_id=selected.id, name=name, email=email, language=language, write=True
            )
            if created is not None:
                common.flash(_("{label} added: {name}.", label=created.label, name=frame.escape_markdown(created.name)))
                st.rerun()

    if people:
        st.markdown("**" + _("Edit a candidate") + "**")
        edit_id = st.selectbox(_("Candidate"), list(by_id), format_func=candidate_label, key="candidates_edit_choice")
        current = by_id[edit_id]
        edit_key = f"{current.id}_{current.version}"
        with st.form(f"candidates_edit_{edit_key}"):
            new_name = st.text_input(_("Name"), value=current.name, max_chars=candidates.MAX_NAME, key=f"candidates_edit_name_{edit_key}")
            new_email = st.text_input(_("E-mail"), value=current.email, max_chars=candidates.MAX_EMAIL, key=f"candidates_edit_email_{edit_key}")
            langs = [Lang.en, Lang.fr]
            new_language = st.selectbox(
                _("Language of assessment"), langs, index=langs.index(current.language), format_func=common.label_func(common.LANGUAGE_LABELS),
                key=f"candidates_edit_language_{edit_key}",
            )
            statuses = list(CandidateStatus)
            new_status = st.selectbox(
                _("Status"), statuses, index=statuses.index(current.status),
                format_func=common.label_func(common.CANDIDATE_STATUS_LABELS),
                help=_("Only active candidates can be scored."), key=f"candidates_edit_status_{edit_key}",
            )
            save = st.form_submit_button(_("Save the candidate"), type="primary", key=f"candidates_edit_submit_{edit_key}")
        if save:
            changes: dict[str, Any] = {}
            for field, new, old in (
                ("name", new_name, current.name), ("email", new_email, current.email),
                ("language", new_language, current.language), ("status", new_status, current.status),
            ):
                if new != old:
                    changes[field] = new
            if not changes:
                st.info(_("Nothing to save: no field was changed."))
            else:
                updated = frame.service_call(
                    candidates.update_candidate, actor, candidate_id=current.id, expected_version=current.version, write=True,
                    messages={ConflictError: _("Someone else changed this candidate after you opened the page. Reload and make your change again.")},
                    **changes,
                )
                if updated is not None:
                    common.flash(_("{label} is saved.", label=updated.label))
                    st.rerun()
        if st.button(_("Delete this candidate's personal information…"), key="candidates_delete", icon=":material/delete:"):
            st.session_state[DELETE_KEY] = current.id


def cancel_delete() -> None:
    st.session_state.pop(DELETE_KEY, None)


@st.dialog(_("Delete a candidate's personal information"), on_dismiss=cancel_delete)
def confirm_delete(candidate_id: int) -> None:
    candidate = by_id[candidate_id]
    st.markdown(
        # markdown-safe: the label ("Candidate 07") is generated by the tracker; the name is escaped
        _("This permanently deletes **{label}** ({name}) and everything personal about them on this posting:",
          label=candidate.label, name=frame.escape_markdown(candidate.name))
    )
    st.markdown(
        "\n".join(
            f"- {item}"
            for item in (
                _("the name, e-mail and language of assessment;"),
                _("every panel member's scorecard: ratings, evidence notes and recommendations;"),
                _("the consensus ratings and the decision with their rationale;"),
                _("the panel's declarations about this candidate;"),
                _("the personal details kept in the audit log's entries about them."),
            )
        )
    )
    st.caption(
        # markdown-safe: the label ("Candidate 07") is generated by the tracker
        _("The audit log keeps its entries, naming the candidate only as {label}, and records this deletion. "
          "The label is never given to anyone else. This cannot be undone.", label=candidate.label)
    )
    left, right = st.columns(2)
    if left.button(_("Delete permanently"), type="primary", key="candidates_delete_confirm"):
        done = frame.service_call(delete_candidate, actor, candidate_id=candidate_id, write=True)
        cancel_delete()
        if done:
            common.flash(_("The personal information of {label} is deleted.", label=candidate.label))
        st.rerun()
    if right.button(_("Cancel"), key="candidates_delete_cancel"):
        cancel_delete()
        st.rerun()


if st.session_state.get(DELETE_KEY) in by_id:
    confirm_delete(st.session_state[DELETE_KEY])

# --- CSV import -----------------------------------------------------------------------------------
with tab_csv:
    st.caption(
        _("A UTF-8 CSV file (“CSV UTF-8” in spreadsheet programs) with a header line name,email and optionally "
          "language (en or fr; empty means en). French headers nom, courriel, langue also work. Nothing is "
          "imported until every line is correct.")
    )
    st.download_button(
        _("Download a CSV template"), CSV_TEMPLATE.encode("utf-8"), file_name="candidates-template.csv",
        mime="text/csv", key="candidates_template", icon=":material/download:",
    )
    upload = st.file_uploader(
        _("Candidates file (.csv)"), type=["csv", "txt"], key=f"candidates_csv_{st.session_state.get(CSV_ROUND_KEY, 0)}"
    )
    if upload is not None:
        data = upload.getvalue()
        preview = frame.service_call(candidates.preview_candidates_csv, actor, posting_id=selected.id, data=data)
        if preview is not None:
            if preview.rows:
                st.markdown("**" + _.ngettext("{n} candidate ready to import", "{n} candidates ready to import", len(preview.rows)) + "**")
                st.dataframe(
                    pd.DataFrame(
                        {
                            _("Line"): [r.line for r in preview.rows],
                            _("Name"): [r.name for r in preview.rows],
                            _("E-mail"): [r.email for r in preview.rows],
                            _("Language of assessment"): [language_label(r.language) for r in preview.rows],
                        }
                    ),
                    hide_index=True,
                )
            if preview.errors:
                st.error(
                    _.ngettext("{n} problem in the file. Nothing is imported while the file has problems: correct these lines and upload it again.",
                               "{n} problems in the file. Nothing is imported while the file has problems: correct these lines and upload it again.",
                               len(preview.errors))
                )
                st.dataframe(
                    pd.DataFrame(
                        {_("Line"): [e.line or "—" for e in preview.errors], _("Problem"): [frame.message_text(e.message) for e in preview.errors]}
                    ),
                    hide_index=True,
                )
            elif st.button(
                _.ngettext("Import {n} candidate", "Import {n} candidates", len(preview.rows)), type="primary", key="candidates_csv_import"
            ):
                imported = frame.service_call(candidates.import_candidates_csv, actor, posting_id=selected.id, data=data, write=True)
                if imported is not None:
                    st.session_state[CSV_ROUND_KEY] = st.session_state.get(CSV_ROUND_KEY, 0) + 1
                    common.flash(_.ngettext("{n} candidate imported.", "{n} candidates imported.", len(imported)))
                    st.rerun()

# --- panel ----------------------------------------------------------------------------------------
with tab_panel:
    panel = frame.service_call(panels.get_panel, actor, posting_id=selected.id)
    users = frame.service_call(accounts.list_users, actor)
    if panel is not None and users is not None:
        if panel:
            st.dataframe(
                pd.DataFrame(
                    {
                        _("Name"): [m.display_name for m in panel],
                        _("E-mail"): [m.email for m in panel],
                        _("Role"): [frame.role_label(m.role) for m in panel],
                        _("Chair"): [m.is_chair for m in panel],
                        _("Since"): [common.format_moment(m.added_at) for m in panel],
                    }
                ),
                hide_index=True,
            )
        else:
            st.info(_("No panel yet: choose its members and its chair below."))
        choices = {
            u.id: f"{u.display_name} · {u.email} ({frame.role_label(u.role)})"
            for u in users
            if u.active and u.role in (Role.interviewer, Role.manager)
        }
        for member in panel:  # a member deactivated since stays listed, so taking them off is visible
            choices.setdefault(member.user_id, f"{member.display_name} · {member.email}")
        members = st.multiselect(
            _("Panel members"), list(choices), default=[m.user_id for m in panel], format_func=choices.__getitem__,
            key=f"candidates_panel_members_{selected.id}",
            help=_("Interviewers and hiring managers can sit on a panel; administrators cannot."),
        )
        current_chair = next((m.user_id for m in panel if m.is_chair), None)
        # Not keyed: the options follow the members chosen above, and a new list starts from the current chair.
        chair = st.selectbox(
            _("Chair"), members, index=members.index(current_chair) if current_chair in members else (0 if members else None),
            format_func=choices.__getitem__, help=_("The chair records the consensus once every member has submitted."),
        )
        st.caption(_("Members taken off the panel keep their scorecards as evidence but can no longer score."))
        if st.button(_("Save the panel"), type="primary", key="candidates_panel_save", disabled=not members):
            result = frame.service_call(
                panels.set_panel, actor, posting_id=selected.id, member_ids=list(members), chair_id=chair, write=True
            )
            if result is not None:
                common.flash(_.ngettext("The panel is saved: {n} member.", "The panel is saved: {n} members.", len(result)))
                st.rerun()

# --- decisions ------------------------------------------------------------------------------------
with tab_decisions:
    if not people:
        st.info(_("Add candidates first."))
    else:
        st.caption(
            _("Record the outcome for each candidate once the panel has agreed. Every outcome other than "
              "“Pending” needs a rationale: it is part of the record.")
        )
        st.page_link("app_pages/results.py", label=_("See the results and consensus first"), icon=":material/leaderboard:")
        decision_id = st.selectbox(_("Candidate"), list(by_id), format_func=candidate_label, key="candidates_decision_choice")
        existing = decided.get(decision_id)
        if existing is not None:
            st.markdown(
                _("Current decision: **{outcome}**, recorded {moment}.",
                  outcome=common.label(common.OUTCOME_LABELS, existing.outcome), moment=common.format_moment(existing.decided_at))
            )
            if existing.overridden:
                st.warning(_("This decision overrides the essential criteria verdict. Reason given:"), icon=":material/flag:")
                frame.plain_text(existing.override_reason)
        outcomes = list(DecisionOutcome)
        decision_key = f"{decision_id}_{existing.version if existing else 0}"
        with st.form(f"candidates_decision_{decision_key}"):
            outcome = st.selectbox(
                _("Outcome"), outcomes, index=outcomes.index(existing.outcome) if existing else 0,
                format_func=common.label_func(common.OUTCOME_LABELS), key=f"candidates_outcome_{decision_key}",
            )
            rationale = st.text_area(
                _("Rationale"), value=existing.rationale if existing else "", max_chars=decisions.MAX_NOTES,
                key=f"candidates_rationale_{decision_key}",
            )
            override_reason = st.text_area(
                _("Reason for overriding the essential criteria verdict (only when the outcome goes against it)"),
                value=existing.override_reason if existing else "", max_chars=decisions.MAX_NOTES,
                key=f"candidates_override_{decision_key}",
                help=_("“Qualified” and “offer made” need every essential criterion met, and “not qualified” an essential "
                       "criterion not met; any other outcome is an override, kept and flagged on the results, the record "
                       "of decision and the feedback summary."),
            )  # fmt: skip
            record = st.form_submit_button(_("Record the decision"), type="primary", key=f"candidates_decision_submit_{decision_key}")
        if record:
            result = frame.service_call(
                decisions.record_decision, actor, candidate_id=decision_id, outcome=outcome, rationale=rationale,
                override_reason=override_reason, expected_version=existing.version if existing else 0, write=True,
                messages={ConflictError: _("Someone recorded a decision for this candidate after you opened the page. Reload to see it, then decide again.")},
            )
            if result is not None:
                common.flash(_("Decision recorded for {label}.", label=by_id[decision_id].label))
                st.rerun()
