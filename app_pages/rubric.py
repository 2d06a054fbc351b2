"""Rubric (issue #4 §5): the criteria in English and French side by side, the rating scale, the rating
guide, locking, rebuilding the criteria from other sections of the posting, and the source posting
shown safely. Admins and the posting's manager."""

from collections.abc import Callable

import pandas as pd
import streamlit as st

from app_pages import _common as common
from app_pages import _rubric_tables as tables
from app_pages import frame
from tracker.i18n import N_
from tracker.models import Lang, Role
from tracker.services import ConflictError, postings, rubrics

SECTION_ROLE_LABELS = {
    "assessment": N_("Assessment criteria"),
    "qualifications": N_("Qualifications"),
    "assets": N_("Assets"),
    "duties": N_("Duties"),
    None: N_("Other"),
}

actor = frame.require_roles(Role.admin, Role.manager)
_ = frame.translator()
st.title(_("Rubric"))
CONFLICT = {ConflictError: _("Someone else changed this rubric after you opened it. Reload the page to see their change, then make yours again.")}

selected = common.choose_managed_posting(actor, key="rubric_posting", empty_message=_("No posting to review yet: import one on the Postings page."))
view = frame.service_call(rubrics.current_rubric, actor, posting_id=selected.id)
if view is None:
    st.stop()

next_version = view.version_number + 1
status = common.label(common.RUBRIC_STATUS_LABELS, view.status)
st.markdown(_("**Version {version}** · {status} · {n} criteria", version=view.version_number, status=status, n=len(view.criteria)))
if view.locked:
    st.warning(
        _("This version is locked: scoring has started or it was locked by hand. Saving any change below creates "
          "version {next}; scorecards already started stay on version {version}.", next=next_version, version=view.version_number)
    )
for warning in view.warnings:
    st.warning(frame.escape_markdown(warning))


def has_edits(editor_key: str) -> bool:
    state = st.session_state.get(editor_key)
    return isinstance(state, dict) and any(state.get(k) for k in ("edited_rows", "added_rows", "deleted_rows"))


def editing_base(kind: str, make: Callable[[], pd.DataFrame]) -> tuple[pd.DataFrame, int, int, str]:
    """The table as it was when this person started editing, the rubric id and version it came from, the editor key.

    The editor is built from that snapshot, not from a fresh read: a fresh table would give the editor a
    new identity and silently drop the edits typed so far whenever someone else saves the rubric.
    The snapshot is kept per posting, not per rubric version: when someone else saves a new version
    (a new rubric id), the edits and the version they were made on stay, and saving sends that rubric
    and version, so the save is refused, not applied to a version this person never saw (issue #22).
    """
    store = f"rubric_base_{kind}_{selected.id}"
    base = st.session_state.get(store)
    if base is not None and (base[0], base[1]) != (view.id, view.version) and not has_edits(_editor_key(kind, base)):
        base = None  # nothing typed yet: simply show the newest version
    if base is None:
        base = (view.id, view.version, make())
        st.session_state[store] = base
    rubric_id, version, table = base
    editor_key = _editor_key(kind, base)
    if (rubric_id, version) != (view.id, view.version):
        st.warning(
            _("Someone else saved this rubric after you started editing. Your edits are still in the table below, "
              "but saving them would overwrite the other change, so it is refused: note them, then reload.")
        )
        if st.button(_("Drop my edits and reload"), key=f"rubric_reload_{kind}"):
            st.session_state.pop(store, None)
            st.session_state.pop(editor_key, None)
            st.rerun()
    return table, rubric_id, version, editor_key


def _editor_key(kind: str, base: tuple[int, int, pd.DataFrame]) -> str:
    return f"rubric_{kind}_{base[0]}_{base[1]}"


def saved(result: rubrics.RubricView | None, message: str) -> None:
    if result is None:
        return
    for key in [k for k in st.session_state if str(k).startswith("rubric_base_") and str(k).endswith(f"_{selected.id}")]:
        del st.session_state[key]
    if result.version_number != view.version_number:
        message += " " + _("It is version {version}.", version=result.version_number)
    common.flash(message)
    st.rerun()


def save_label(draft_label: str) -> str:
    return _("Save as version {next}", next=next_version) if view.locked else draft_label


tab_criteria, tab_scale, tab_guide, tab_sections, tab_source, tab_versions = st.tabs(
    [_("Criteria"), _("Rating scale"), _("Rating guide"), _("Sections of the posting"), _("Source posting"), _("Versions")]
)

# --- criteria -------------------------------------------------------------------------------------
with tab_criteria:
    scale = [lv.value for lv in view.levels] or [1, 5]
    low, high = min(scale), max(scale)
    default_pass = min(max(3, low), high)
    st.caption(
        _("Edit the text in both languages, the kind, the weight, the pass mark and the minimum number of raters. "
          "Change the numbers in the Order column to reorder; add a row at the bottom; select rows and delete them "
          "to remove criteria.")
    )
    criteria_table, criteria_rubric, criteria_version, criteria_key = editing_base("criteria", lambda: tables.criteria_frame(view))
    edited = st.data_editor(
        criteria_table,
        key=criteria_key,
        num_rows="dynamic",
        hide_index=True,
        column_order=[c for c in tables.CRITERIA_COLUMNS if c != "id"],
        column_config={
            "id": None,
            "order": st.column_config.NumberColumn(_("Order"), min_value=1, step=1, width="small"),
            "kind": st.column_config.SelectboxColumn(
                _("Kind"), options=["essential", "asset"], default="essential", required=True,
                format_func=lambda kind: common.label(common.KIND_LABELS, kind),
            ),
            "text_en": st.column_config.TextColumn(_("Criterion (English)"), width="large", max_chars=rubrics.MAX_CRITERION_TEXT),
            "text_fr": st.column_config.TextColumn(_("Criterion (French)"), width="large", max_chars=rubrics.MAX_CRITERION_TEXT),
            "weight": st.column_config.NumberColumn(_("Weight"), min_value=0.1, max_value=rubrics.MAX_WEIGHT, step=0.1, default=1.0),
            "pass_mark": st.column_config.NumberColumn(_("Pass mark"), min_value=low, max_value=high, step=1, default=default_pass),
            "min_raters": st.column_config.NumberColumn(_("Minimum raters"), min_value=1, max_value=rubrics.MAX_MIN_RATERS, step=1, default=2),
            "section": st.column_config.TextColumn(_("From section"), disabled=True),
        },
    )
    if st.button(save_label(_("Save the criteria")), type="primary", key="rubric_save_criteria"):
        edits = tables.criteria_edits(edited, view, default_pass_mark=default_pass)
        result = frame.service_call(
            rubrics.save_criteria, actor, rubric_id=criteria_rubric, criteria=edits, expected_version=criteria_version,
            write=True, messages=CONFLICT,
        )
        saved(result, _("The criteria are saved."))
    if not view.locked:
        st.divider()
        st.caption(
            _("Lock the rubric when the panel agrees on it. It also locks by itself when the first scorecard is opened. "
              "After that, any change makes a new version so that scores keep the criteria they were given for.")
        )
        if st.button(_("Lock the rubric"), key="rubric_lock", icon=":material/lock:"):
            result = frame.service_call(rubrics.lock_rubric, actor, rubric_id=view.id, write=True)
            if result is not None:
                common.flash(_("Version {version} of the rubric is locked.", version=view.version_number))
                st.rerun()

# --- rating scale ---------------------------------------------------------------------------------
with tab_scale:
    st.caption(
        _("The levels every criterion is rated on, with a label and a descriptor in each language. "
          "Values are whole numbers from 0 to 10.")
    )
    levels_table, levels_rubric, levels_version, levels_key = editing_base("levels", lambda: tables.levels_frame(view))
    edited_levels = st.data_editor(
        levels_table,
        key=levels_key,
        num_rows="dynamic",
        hide_index=True,
        column_config={
            "value": st.column_config.NumberColumn(_("Level"), min_value=0, max_value=10, step=1, required=True, width="small"),
            "label_en": st.column_config.TextColumn(_("Label (English)"), max_chars=rubrics.MAX_LEVEL_LABEL),
            "label_fr": st.column_config.TextColumn(_("Label (French)"), max_chars=rubrics.MAX_LEVEL_LABEL),
            "descriptor_en": st.column_config.TextColumn(_("Descriptor (English)"), width="large", max_chars=rubrics.MAX_LEVEL_DESCRIPTOR),
            "descriptor_fr": st.column_config.TextColumn(_("Descriptor (French)"), width="large", max_chars=rubrics.MAX_LEVEL_DESCRIPTOR),
        },
    )
    if st.button(save_label(_("Save the rating scale")), type="primary", key="rubric_save_scale"):
        result = frame.service_call(
            rubrics.save_scale, actor, rubric_id=levels_rubric, levels=tables.level_edits(edited_levels),
            expected_version=levels_version, write=True, messages=CONFLICT,
        )
        saved(result, _("The rating scale is saved."))

# --- rating guide ---------------------------------------------------------------------------------
with tab_guide:
    st.caption(
        _("For each criterion, what an answer looks like at each level of the scale. Panel members see it beside "
          "the scale while scoring, so that everyone rates against the same yardstick.")
    )
    if not view.criteria:
        st.info(_("Add criteria first."))
    else:
        by_id = {c.id: c for c in view.criteria}

        def criterion_label(criterion_id: int) -> str:
            criterion = by_id[criterion_id]
            text, note = frame.localized_text(criterion.text_en, criterion.text_fr)
            short = text if len(text) <= 90 else text[:89] + "…"
            return f"{criterion.number}. {short}" + (f" ({note})" if note else "")

        chosen_id = st.selectbox(_("Criterion"), list(by_id), format_func=criterion_label, key=f"rubric_guide_choice_{view.id}")
        chosen = by_id[chosen_id]
        # Keyed by lineage: the same criterion in a newer version (new ids) finds the edits typed on the old one.
        guide_table, guide_rubric, guide_version, guide_key = editing_base(
            f"guide_{chosen.lineage}", lambda: tables.guide_frame(view, chosen, frame.current_lang())
        )
        edited_guide = st.data_editor(
            guide_table,
            key=guide_key,
            num_rows="fixed",
            hide_index=True,
            disabled=["level", "label"],
            column_config={
                "level": st.column_config.NumberColumn(_("Level"), width="small"),
                "label": st.column_config.TextColumn(_("Label")),
                "guide_en": st.column_config.TextColumn(_("What it looks like (English)"), width="large", max_chars=rubrics.MAX_LEVEL_DESCRIPTOR),
                "guide_fr": st.column_config.TextColumn(_("What it looks like (French)"), width="large", max_chars=rubrics.MAX_LEVEL_DESCRIPTOR),
            },
        )
        if st.button(save_label(_("Save the rating guide")), type="primary", key="rubric_save_guide"):
            result = frame.service_call(
                rubrics.save_criteria, actor, rubric_id=guide_rubric,
                criteria=tables.with_guide(view, chosen.id, tables.guide_descriptors(edited_guide)),
                expected_version=guide_version, write=True, messages=CONFLICT,
            )
            saved(result, _("The rating guide of criterion {number} is saved.", number=chosen.number))

# --- sections -------------------------------------------------------------------------------------
with tab_sections:
    st.caption(
        _("The criteria come from the sections of the posting the parser recognised. If it chose the wrong one, "
          "pick the sections that hold the criteria in each language and rebuild: every list item of the chosen "
          "sections becomes a criterion, and the choice is remembered when the posting is imported again.")
    )
    sections = frame.service_call(postings.posting_sections, actor, posting_id=selected.id)
    if sections is not None and not any(sections.values()):
        st.info(_("No source file is stored for this posting, so there are no sections to choose from; import the posting again."))
    elif sections is not None:
        picks: dict[str, list[int]] = {"en": [], "fr": []}
        for lang in (Lang.en, Lang.fr):
            infos = sections.get(lang, [])
            st.markdown("**" + common.label(common.LANGUAGE_LABELS, lang) + "**")
            if not infos:
                st.caption(_("This posting has no file in this language."))
                continue
            st.dataframe(
                pd.DataFrame(
                    {
                        _("Section"): [s.index for s in infos],
                        _("Heading"): [s.heading for s in infos],
                        _("Recognised as"): [common.label(SECTION_ROLE_LABELS, s.role) for s in infos],
                        _("List items"): [len(s.items) for s in infos],
                        _("Used now"): [s.used for s in infos],
                    }
                ),
                hide_index=True,
            )
            by_index = {s.index: s for s in infos}
            picks[lang.value] = st.multiselect(
                _("Sections that hold the criteria ({language})", language=common.label(common.LANGUAGE_LABELS, lang)),
                list(by_index),
                default=[s.index for s in infos if s.used],
                format_func=lambda i, by_index=by_index: f"{i}. {by_index[i].heading} ({len(by_index[i].items)})",
                key=f"rubric_sections_{lang.value}_{view.id}_{view.version}",
            )
        st.warning(
            _("Rebuilding replaces the criteria with the list items of the chosen sections: texts you edited here are "
              "replaced, while weights, pass marks and rating guides stay on the criteria that match.")
            + (" " + _("The rubric is locked, so this creates version {next}.", next=next_version) if view.locked else "")
        )
        if st.button(_("Rebuild the criteria from these sections"), key="rubric_rebuild"):
            result = frame.service_call(
                postings.rebuild_rubric_from_sections, actor, posting_id=selected.id, en=picks["en"], fr=picks["fr"], write=True,
            )
            saved(result, _("The criteria were rebuilt from the chosen sections."))

# --- source ---------------------------------------------------------------------------------------
with tab_source:
    detail = frame.service_call(postings.get_posting, actor, posting_id=selected.id)
    if detail is not None:
        if not detail.sources:
            st.info(_("No source file is stored for this posting."))
        raw = st.toggle(_("Show the raw text"), key="rubric_source_raw",
                        help=_("The posting as written in the file, Markdown and front matter included."))
        for source in detail.sources:
            with st.container(border=True):
                st.markdown("**" + common.label(common.LANGUAGE_LABELS, source.lang) + "**")
                st.caption(_("File {path}, imported {moment}", path=frame.escape_markdown(source.path),
                             moment=common.format_moment(source.imported_at)))
                for warning in source.warnings:
                    st.warning(frame.escape_markdown(warning))
                if raw:
                    st.code(source.content, language="markdown", wrap_lines=True)
                else:
                    frame.untrusted_markdown(common.without_front_matter(source.content))

# --- versions -------------------------------------------------------------------------------------
with tab_versions:
    versions = frame.service_call(rubrics.list_rubric_versions, actor, posting_id=selected.id)
    if versions:
        st.dataframe(
            pd.DataFrame(
                {
                    _("Version"): [v.version_number for v in versions],
                    _("Status"): [common.label(common.RUBRIC_STATUS_LABELS, v.status) for v in versions],
                    _("Criteria"): [len(v.criteria) for v in versions],
                    _("Created on"): [common.format_moment(v.created_at) for v in versions],
                    _("Locked on"): [common.format_moment(v.locked_at) for v in versions],
                }
            ),
            hide_index=True,
        )
        st.caption(_("Only the newest version is used for new scorecards; scores given under an older one stay attached to it."))
