"""Which sections become the rubric, and the warnings that explain the choice.

Resolution of section roles, in order (docs/parsing.md has the examples from real postings):

1. **Heading then lead-in.** A heading with a role and nothing under it, directly followed by a
   lead-in line, lends its role to that line ("**Responsibilities**" then "An excellent candidate
   will be able to:" is a list of duties). An assessment or assets lead-in keeps its own role.
2. **Untitled lists after a heading with a role.** Markdown sub-headings without a role take the
   role of the heading above them ("## Essential qualifications" then "### Experience"). A heading or
   lead-in with a role but no items of its own also passes its role to the following sections with
   items but no role, even at its own level ("Skills we are seeking:" then "## Developers",
   "## Designers"), stopping at the next section with a role or an empty section. Label sub-sections
   of a fitting role do not stop a qualifications or assessment parent ("**Must haves**", "**Bonus**",
   "**Attributes**"), and an assessment makes its "Essential criteria:" sub-list part of itself.
3. **"Looking for a person who".** The ``seeking`` role means qualifications when the posting has no
   other qualifications list, and duties when it has one.
4. **Duties under a qualifications heading.** A qualifications list whose items are mostly phrased as
   duties ("You will deliver…", "Vous dirigerez…") is duties when another qualifications list remains.

Choice of the rubric: the assessment sections' items (essential) when there are any, together with
asset sections (asset); otherwise the qualifications sections (essential) with the asset sections
(asset); otherwise the duties (essential, with a warning); otherwise nothing, with a warning. An
item of an essential list that calls itself an asset ("... would be an asset") is an asset.
"""

from __future__ import annotations

from tracker.i18n import N_
from tracker.i18n.message import Message
from tracker.parsing import lexicon
from tracker.parsing.model import ParsedCriterion, Section, SectionItem
from tracker.parsing.sections import RawSection, item_text

_SPECIFIC = (lexicon.ASSESSMENT, lexicon.ASSETS)


def resolve_sections(raw: list[RawSection]) -> list[Section]:
    """Apply the three resolution rules and return the public sections (index = position)."""
    roles = [section.role for section in raw]
    _lend_to_lead_ins(raw, roles)
    _spill_into_untitled(raw, roles)
    seeking = _resolve_seeking(raw, roles)
    public: list[Section] = []
    for index, (section, role) in enumerate(zip(raw, roles, strict=True)):
        if role == lexicon.SEEKING:
            role = seeking[index]
        elif role == lexicon.OTHER:
            role = None
        items = [SectionItem(text, item.line) for item in section.items if (text := item_text(item))]
        public.append(Section(index, section.heading, section.level, role, section.line, items))
    _demote_duty_lists(public)
    return public


def _resolve_seeking(raw: list[RawSection], roles: list[str | None]) -> dict[int, str]:
    """Rule 3: "seeking" lists are duties beside a qualifications list, else qualifications.

    With several seeking lists and no qualifications list, the ones that name the candidate ("Le
    candidat ou la candidate est capable de :") describe the person and the others ("Nous sommes à la
    recherche d'une personne qui :") are duties; when that does not tell them apart, all are qualifications.
    """
    indices = [i for i, role in enumerate(roles) if role == lexicon.SEEKING]
    if not indices:
        return {}
    if any(role == lexicon.QUALIFICATIONS and raw[i].items for i, role in enumerate(roles)):
        return dict.fromkeys(indices, lexicon.DUTIES)
    with_items = [i for i in indices if raw[i].items]
    naming = {i for i in with_items if lexicon.names_candidate(raw[i].heading)}
    if len(with_items) >= 2 and naming and len(naming) < len(with_items):
        return {i: lexicon.QUALIFICATIONS if i in naming else lexicon.DUTIES for i in indices}
    return dict.fromkeys(indices, lexicon.QUALIFICATIONS)


def _demote_duty_lists(sections: list[Section]) -> None:
    """Rule 4: a qualifications list written as duties ("You will deliver…") beside a real one is duties.

    "What we're looking for: You will help initiate…; You will use data…" next to "An excellent candidate
    will be able to:" is what the person will do, the second list what they are assessed on. Only when
    at least two thirds of the list's items (and at least two) are phrased so, and another qualifications
    or assessment list that is not phrased so remains: a posting's only list is never demoted.
    """
    candidates = [s for s in sections if s.role in (lexicon.QUALIFICATIONS, lexicon.ASSESSMENT) and s.items]
    if len(candidates) < 2:
        return
    duty_like = []
    for section in candidates:
        phrased = sum(lexicon.announces_duty(item.text) for item in section.items)
        if phrased >= 2 and 3 * phrased >= 2 * len(section.items):
            duty_like.append(section)
    if not duty_like or len(duty_like) == len(candidates):
        return
    for section in duty_like:
        section.role = lexicon.DUTIES


def _lend_to_lead_ins(raw: list[RawSection], roles: list[str | None]) -> None:
    for i in range(len(raw) - 1):
        head, lead = raw[i], raw[i + 1]
        if (
            roles[i] not in (None, lexicon.OTHER)
            and not head.items
            and head.content_blocks == 0
            and lead.kind == "lead"
            and roles[i + 1] not in _SPECIFIC
        ):
            roles[i + 1] = roles[i]


# The roles a criteria heading's sub-sections may carry without ending it: "## What we're looking for"
# then "**Must haves**", "**Bonus**", "**Attributes**" is one rubric; "We'll evaluate you based on:"
# then "Essential criteria:", "Asset criteria:" is one assessment.
_CHAINS = {
    lexicon.ASSESSMENT: frozenset({lexicon.ASSESSMENT, lexicon.QUALIFICATIONS, lexicon.ASSETS}),
    lexicon.QUALIFICATIONS: frozenset({lexicon.QUALIFICATIONS, lexicon.ASSETS}),
}


def _spill_into_untitled(raw: list[RawSection], roles: list[str | None]) -> None:
    """Rule 2: sub-sections without a role take their parent's role; an assessment claims its sub-lists.

    Parents are visited last to first, so the innermost heading decides ("### Assets" then "#### Languages"
    is assets although "## Qualifications" is above both). Sub-sections whose own role fits the parent's
    (``_CHAINS``) and that name a sub-list ("Essential criteria", "Must haves", "Candidates must meet
    the following essential criteria:", any assets heading; not "What we're looking for") do not end
    it: the parent's role passes over them to the untitled ones after them, and an assessment turns its
    qualification sub-lists into assessment lists (asset ones stay assets).
    """
    for i in range(len(raw) - 1, -1, -1):
        section, role = raw[i], roles[i]
        if role in (None, lexicon.OTHER):
            continue
        empty = not section.items
        if not empty and section.kind != "heading":
            continue
        chain = _CHAINS.get(role, frozenset({role}))
        for j in range(i + 1, len(raw)):
            follower = raw[j]
            same_or_higher = (
                section.kind == "heading" and follower.kind == "heading" and follower.level <= section.level
            )
            if roles[j] is not None:
                if roles[j] not in chain or same_or_higher:
                    break
                if roles[j] != lexicon.ASSETS and not lexicon.is_sub_list(follower.heading):
                    break  # "What we're looking for:" after an assessment is a list of its own, not a sub-list
                if role == lexicon.ASSESSMENT and roles[j] == lexicon.QUALIFICATIONS:
                    roles[j] = lexicon.ASSESSMENT
                continue
            if same_or_higher and not (empty and follower.items):
                break
            if not follower.items:
                if empty:
                    break
                continue
            if not empty and follower.kind != "heading" and not follower.label:
                break  # a lead-in after a full list starts something else ("Location:"), a bold label does not
            roles[j] = role


def choose_rubric(sections: list[Section]) -> tuple[list[ParsedCriterion], list[Message]]:
    """The criteria the posting is assessed on, and warnings about how they were found."""

    def with_items(role: str) -> list[Section]:
        return [section for section in sections if section.role == role and section.items]

    assessment, qualifications = with_items(lexicon.ASSESSMENT), with_items(lexicon.QUALIFICATIONS)
    assets, duties = with_items(lexicon.ASSETS), with_items(lexicon.DUTIES)
    if assessment or qualifications:
        chosen = assessment + assets if assessment else qualifications + assets
        return build_criteria(sorted(chosen, key=lambda section: section.index)), []
    if assets:
        warning = Message(N_("Only asset criteria were found (no assessment or qualifications list); add the essential ones."))
        return build_criteria(assets), [warning]
    if duties:
        headings = ", ".join(f'"{section.heading}"' for section in duties)
        warning = Message(
            N_("No assessment, qualifications or assets list was found; the duties list ({headings}) was used as criteria: review them before scoring."),
            headings=headings,
        )  # fmt: skip
        return build_criteria(duties), [warning]
    return [], [Message(N_("No criteria were found: the posting has no assessment, qualifications, assets or duties list."))]


def build_criteria(sections: list[Section]) -> list[ParsedCriterion]:
    """Number the items of ``sections`` 1..n in the order given; kind from the section and the item."""
    criteria: list[ParsedCriterion] = []
    for section in sections:
        for item in section.items:
            is_asset = section.role == lexicon.ASSETS or lexicon.marks_asset(item.text)
            criteria.append(
                ParsedCriterion(
                    number=len(criteria) + 1,
                    kind="asset" if is_asset else "essential",
                    text=item.text,
                    section=section.heading,
                    line=item.line,
                )
            )
    return criteria
