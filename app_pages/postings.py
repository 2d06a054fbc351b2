"""Postings (issue #4 §4): import postings (upload, or a folder on the server for admins), the
per-file report with a progress bar, each posting's state, and its dates and owner. Admins, managers."""

import pandas as pd
import streamlit as st

from app_pages import _common as common
from app_pages import frame
from tracker.i18n import N_
from tracker.models import Role
from tracker.services import ConflictError, accounts, postings, server_files

UPLOAD_ROUND_KEY = "postings_upload_round"  # bumped after an import so the uploader empties
REPORT_KEY = "postings_import_report"  # the last import's rows (plain dicts) until the next import
ACTION_LABELS = {
    "created": N_("Created"),
    "updated": N_("Updated"),
    "new_version": N_("New rubric version"),
    "unchanged": N_("Unchanged"),
    "error": N_("Not imported"),
}

actor = frame.require_roles(Role.admin, Role.manager)
_ = frame.translator()
st.title(_("Postings"))


def run_import(**sources: object) -> None:
    """Import with a progress bar fed by the service (one step per bilingual posting), keep the report."""
    bar = st.progress(0.0, text=_("Reading the files…"))

    def progress(done: int, total: int, label: str) -> None:
        bar.progress(
            min(done / total, 1.0) if total else 1.0,
            text=_("Imported {done} of {total}: {file}", done=done, total=total, file=frame.escape_markdown(label)),
        )

    report = common.engine_call(postings.import_postings, actor, progress=progress, **sources)
    if report is None:
        bar.empty()
        return
    st.session_state[REPORT_KEY] = [
        {
            "path": item.path,
            "key": item.translation_key or "",
            "action": item.action,
            "criteria": item.criteria_count,
            "sections": common.lines(item.sections),
            "warnings": common.lines(frame.message_text(w) for w in item.warnings),
            "error": item.error or "",  # a Message: translated when shown, so it follows the language switch
            "version": item.rubric_version,
        }
        for item in report.items
    ]
    # A new uploader key empties it, so the same files cannot be imported twice by a second click.
    st.session_state[UPLOAD_ROUND_KEY] = st.session_state.get(UPLOAD_ROUND_KEY, 0) + 1
    st.rerun()


def show_report(rows: list[dict]) -> None:
    failed = sum(1 for row in rows if row["action"] == "error")
    counts = {action: sum(1 for row in rows if row["action"] == action) for action in ACTION_LABELS}
    if not rows:
        st.warning(_("No .md file was found to import."))
        return
    if failed:
        st.error(_.ngettext("{n} posting could not be imported; the report says why.",
                            "{n} postings could not be imported; the report says why.", failed))
    else:
        st.success(
            _("Import finished. Created: {created}; updated: {updated}; with a new rubric version: {new_version}; "
              # markdown-safe: the parameters are counts
              "unchanged: {unchanged}.", **{k: counts[k] for k in ("created", "updated", "new_version", "unchanged")})
        )
    table = pd.DataFrame(
        {
            _("Files"): [row["path"] for row in rows],
            _("Posting"): [row["key"] for row in rows],
            _("Result"): [common.label(ACTION_LABELS, row["action"]) for row in rows],
            _("Criteria found"): [row["criteria"] for row in rows],
            _("Sections used"): [row["sections"] for row in rows],
            _("Warnings"): [row["warnings"] for row in rows],
            _("Error"): [frame.message_text(row["error"]) for row in rows],
        }
    )
    st.dataframe(table, hide_index=True)
    if any(row["warnings"] for row in rows):
        st.caption(_("Check the rubric of each posting with warnings: the parser may have picked the wrong section."))


# --- import ---------------------------------------------------------------------------------------
st.subheader(_("Import postings"))
st.caption(
    _("A posting is a Markdown file with YAML front matter. The English and French files of one posting share "
      "the same translationKey and are imported together. Importing an unchanged file again changes nothing; "
      "a changed file updates a draft rubric, or creates a new rubric version once scoring has started.")
)
uploaded = st.file_uploader(
    _("Posting files (.md)"),
    type=["md", "markdown"],
    accept_multiple_files=True,
    key=f"postings_upload_{st.session_state.get(UPLOAD_ROUND_KEY, 0)}",
)
if st.button(_("Import the uploaded files"), type="primary", disabled=not uploaded, key="postings_import_upload"):
    run_import(files=[(file.name, file.getvalue()) for file in uploaded or []])

if actor.role == Role.admin:
    with st.expander(_("Import a folder on the server (administrators)")):
        st.caption(
            _("Give a folder or a file **on the server that runs the tracker**, not on your computer: every .md file "
              "in the folder and its sub-folders is imported. Use it for postings the operator copied to the server, "
              "for example a clone of the website's repository.")
        )
        import_root = server_files.import_root()
        if import_root is None:
            st.info(
                _("Importing from the server is switched off on this tracker ({setting} is not set): "
                  "upload the files instead, or ask the operator to set it.", setting=server_files.IMPORT_ROOT_ENV)
            )
        else:
            st.caption(_("Only .md and .markdown files below {folder} can be imported.",
                         folder=frame.escape_markdown(str(import_root))))
        server_path = st.text_input(_("Server path"), key="postings_server_path", placeholder="/srv/postings")
        if st.button(_("Import from the server"), disabled=not server_path.strip() or import_root is None,
                     key="postings_import_folder"):
            run_import(paths=[server_path.strip()])

if st.session_state.get(REPORT_KEY) is not None:
    st.markdown("**" + _("Report of the last import") + "**")
    show_report(st.session_state[REPORT_KEY])

# --- list -----------------------------------------------------------------------------------------
summaries = frame.service_call(postings.list_postings, actor)
if summaries is None:
    st.stop()
st.subheader(_("All postings") if actor.role == Role.admin else _("Your postings"))
if not summaries:
    st.info(_("No postings yet: import one above."))
    st.stop()


def rubric_state(summary: postings.PostingSummary) -> str:
    if summary.rubric_version is None:
        return _("No rubric")
    return _("Version {version} · {status}", version=summary.rubric_version,
             status=common.label(common.RUBRIC_STATUS_LABELS, summary.rubric_status))


overview = pd.DataFrame(
    {
        _("Title"): [common.posting_title(s) for s in summaries],
        _("Key"): [s.translation_key for s in summaries],
        _("Rubric"): [rubric_state(s) for s in summaries],
        _("Candidates"): [s.candidates for s in summaries],
        _("Scorecards submitted"): [f"{s.scorecards_submitted} / {s.scorecards_total}" for s in summaries],
        _("Opens"): [common.format_date(s.opened_on) for s in summaries],
        _("Closes"): [common.format_date(s.closed_on) for s in summaries],
        _("Owner"): [s.owner_name or "—" for s in summaries],
        _("Archived"): [s.archived for s in summaries],
    }
)
st.dataframe(overview, hide_index=True)
st.caption(_("Scorecards submitted counts submitted scorecards out of all scorecards started (drafts included)."))

# --- one posting ----------------------------------------------------------------------------------
managed = common.managed_postings(actor, summaries)
st.subheader(_("Dates and owner"))
if not managed:
    st.info(_("You do not own any posting yet. Postings you import are yours; an administrator can also assign one to you."))
    st.stop()
selected = common.choose_posting(managed, key="postings_choice")
col_rubric, col_candidates = st.columns(2)
col_rubric.page_link("app_pages/rubric.py", label=_("Review its rubric"), icon=":material/checklist:")
col_candidates.page_link("app_pages/candidates.py", label=_("Its candidates and panel"), icon=":material/badge:")

owners: list = []
if actor.role == Role.admin:
    owners = frame.service_call(accounts.list_users, actor, role=Role.manager) or []
    owners = [u for u in owners if u.active or u.id == selected.owner_id]

edit_key = f"{selected.id}_{selected.version}"  # a new form (fresh defaults) per posting and per saved version
with st.form(f"posting_edit_{edit_key}"):
    opened_on = st.date_input(_("Opens on"), value=selected.opened_on, format="YYYY-MM-DD", key=f"posting_opened_{edit_key}")
    closed_on = st.date_input(_("Closes on"), value=selected.closed_on, format="YYYY-MM-DD", key=f"posting_closed_{edit_key}",
                              help=_("Candidates' personal information is purged a set time after this date."))
    archived = st.checkbox(_("Archived"), value=selected.archived, key=f"posting_archived_{edit_key}",
                           help=_("An archived posting is no longer advertised; its assessments stay."))
    owner_id = selected.owner_id
    if actor.role == Role.admin:
        names = {u.id: f"{u.display_name} · {u.email}" for u in owners}
        options: list = [None, *names]
        owner_id = st.selectbox(
            _("Owner (hiring manager)"),
            options,
            index=options.index(selected.owner_id) if selected.owner_id in options else 0,
            format_func=lambda uid: names.get(uid, _("No owner")),
            key=f"posting_owner_{edit_key}",
        )
    save = st.form_submit_button(_("Save the posting"), type="primary", key=f"posting_save_{edit_key}")

if save:
    changes: dict = {"opened_on": opened_on, "closed_on": closed_on, "archived": archived}
    if actor.role == Role.admin and owner_id != selected.owner_id:
        changes["owner_id"] = owner_id
    saved = frame.service_call(
        postings.update_posting, actor, posting_id=selected.id, expected_version=selected.version, write=True,
        messages={ConflictError: _("Someone else changed this posting after you opened it. Reload the page and make your change again.")},
        **changes,
    )
    if saved is not None:
        common.flash(_("The posting {key} is saved.", key=frame.escape_markdown(selected.translation_key)))
        st.rerun()
