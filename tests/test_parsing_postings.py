"""Whole postings (fixtures written for these tests): headings of every role, lists of every shape."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.parsing import ParsedPosting, criteria_from_sections, parse_bytes, parse_file

FIXTURES = Path(__file__).parent / "fixtures" / "postings"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "postings"


def parse_fixture(name: str) -> ParsedPosting:
    return parse_file(FIXTURES / name)


def parse_text(text: str, path: str = "posting.md") -> ParsedPosting:
    return parse_bytes(text.encode("utf-8"), path=path)


# fixture, expected criteria kinds in order ("e" essential, "a" asset), section heading of criterion 1
RUBRICS = [
    ("en/assessment-ordered.md", "eeeee", "You will be assessed on"),
    ("fr/evaluation-inclusive.md", "eeeeaa", "Vous serez évalué·e selon les critères suivants :"),
    ("en/qualifications-bold.md", "eeeaa", "What we’re looking for:"),
    ("en/plain-colon.md", "eee", "You’ll fit right in if:"),
    ("en/html-wrapped.md", "eee", "The requirements for this role are to have:"),
    ("en/duties-only.md", "eee", "What you’ll be doing"),
    ("en/no-criteria.md", "", None),
    ("misc/no-front-matter.md", "ee", "Ce que nous recherchons :"),
    ("fr/seeking-alone.md", "eee", "Nous sommes à la recherche d’une personne qui :"),
    ("fr/seeking-with-qualifications.md", "ee", "Le candidat idéal ou la candidate idéale saura :"),
    ("en/spill.md", "eeeee", "Developers"),
    ("en/heading-then-lead.md", "eee", "We’re looking for a person who:"),
    ("en/indented-sublist.md", "eee", "What we’re looking for"),
    ("en/setext-and-quote.md", "eea", "Qualifications"),
    ("fr/dash-paragraphs.md", "eee", "Ce poste est fait pour vous si :"),
    # issue #15: one fixture per class of miss, in both languages
    ("en/assessment-subheadings.md", "eeeaa", "Essential criteria:"),
    ("fr/evaluation-sous-titres.md", "eeeaa", "Critères essentiels :"),
    ("en/qualification-subsections.md", "eeeeeeea", "Education & Experience"),
    ("fr/qualites-sous-sections.md", "eeeeeeea", "Études et expérience"),
    ("en/must-have-able-to-learn.md", "eeaaa", "Must Haves"),
    ("en/asset-cues.md", "eeaaaa", "You’ll fit right in if:"),
    ("fr/atouts-dans-les-items.md", "eeaaaa", "Ce poste est fait pour vous si :"),
    ("en/abilities-duties.md", "ee", "What we’re looking for"),
    ("fr/saura-et-exigences.md", "ee", "Un(e) excellent(e) candidat(e) pourra :"),
    ("fr/capable-de-et-candidate.md", "eee", "Vous êtes un excellent candidat ou une excellente candidate si :"),
    ("en/duties-under-qualifications.md", "eee", "An excellent candidate will be able to:"),
    ("fr/inclusive-espaces.md", "eea", "Un.e excellent.e candidat.e saura :"),
]


@pytest.mark.parametrize(("fixture", "kinds", "section"), RUBRICS)
def test_fixture_rubric_has_expected_kinds_and_section(fixture: str, kinds: str, section: str | None) -> None:
    posting = parse_fixture(fixture)
    assert "".join(c.kind[0] for c in posting.criteria) == kinds
    assert [c.number for c in posting.criteria] == list(range(1, len(kinds) + 1))
    if section is not None:
        assert posting.criteria[0].section == section


def test_ordered_list_items_keep_link_text_drop_markup_and_append_sub_items() -> None:
    texts = [c.text for c in parse_fixture("en/assessment-ordered.md").criteria]
    assert texts == [
        "Accessibility testing: experience testing web services with screen readers and other assistive technologies.",
        "Knowledge of the accessibility standard and how to apply it.",
        "Ability to coach teams by: pairing with designers; reviewing code with developers.",
        "Experience writing clear, plain language reports",
        "Working in the open.",
    ]


def test_criterion_line_is_the_item_line_in_the_whole_file() -> None:
    posting = parse_fixture("en/assessment-ordered.md")
    source = posting.text.splitlines()
    for criterion in posting.criteria:
        first_words = " ".join(criterion.text.split()[:2]).replace(":", "")
        assert first_words.split()[-1] in source[criterion.line - 1]
    assert [c.line for c in posting.criteria] == [18, 20, 21, 24, 25]


def test_section_line_and_level_follow_the_heading() -> None:
    sections = parse_fixture("en/assessment-ordered.md").sections
    assert [(s.heading, s.level, s.line, s.role) for s in sections] == [
        ("What you’ll do", 2, 11, "duties"),
        ("You will be assessed on", 2, 16, "assessment"),
    ]


def test_html_paragraphs_become_headings_and_items_with_entities_decoded() -> None:
    posting = parse_fixture("en/html-wrapped.md")
    assert [(s.heading, s.role) for s in posting.sections] == [
        ("The primary responsibilities of this role are to:", "duties"),
        ("The requirements for this role are to have:", "qualifications"),
        ("Diversity & Inclusion", None),
    ]
    assert [c.text for c in posting.criteria] == [
        "Deployed services to a public cloud.",
        "Used infrastructure as code & continuous delivery.",
        "Supported a service in production, see our guide.",
    ]
    assert [c.line for c in posting.criteria] == [17, 19, 21]
    assert posting.description == "We are hiring a cloud practitioner – platform team."


def test_loose_list_bold_heading_and_inline_asset() -> None:
    posting = parse_fixture("en/qualifications-bold.md")
    assert posting.criteria[2].text == "You work well with designers & developers."
    assert posting.criteria[3].kind == "asset"  # "... would be an asset."
    assert posting.criteria[4].section == "Nice to have"


def test_duties_fallback_warns() -> None:
    posting = parse_fixture("en/duties-only.md")
    assert any("duties list" in warning for warning in posting.warnings)


def test_posting_without_lists_has_no_criteria_and_warns() -> None:
    posting = parse_fixture("en/no-criteria.md")
    assert posting.criteria == []
    assert any("No criteria" in warning for warning in posting.warnings)


def test_heading_without_content_lends_its_role_to_the_next_lead_in() -> None:
    posting = parse_fixture("en/heading-then-lead.md")
    roles = {s.heading: s.role for s in posting.sections}
    assert roles["An excellent candidate will be able to:"] == "duties"
    assert [c.text for c in posting.criteria][0] == "Communicates clearly in English and French"


@pytest.mark.parametrize(
    ("fixture", "heading", "role"),
    [
        ("fr/seeking-alone.md", "Nous sommes à la recherche d’une personne qui :", "qualifications"),
        ("fr/seeking-with-qualifications.md", "Nous sommes à la recherche d’une personne qui :", "duties"),
    ],
)
def test_looking_for_a_person_who_depends_on_other_qualification_lists(fixture: str, heading: str, role: str) -> None:
    sections = parse_fixture(fixture).sections
    assert next(s.role for s in sections if s.heading == heading) == role


def test_empty_qualifications_heading_claims_following_untitled_lists() -> None:
    sections = parse_fixture("en/spill.md").sections
    assert [(s.heading, s.role) for s in sections] == [
        ("At NDS, you will be able to:", "duties"),
        ("Here are the specific skill sets we are seeking:", "qualifications"),
        ("Developers", "qualifications"),
        ("Designers", "qualifications"),
        ("At NDS, we celebrate difference", None),
    ]


def test_sub_headings_without_role_take_their_parents_role() -> None:
    posting = parse_text(
        "---\ntitle: T\n---\n## Essential qualifications\n\n### Education\n\n- A degree\n\n"
        "### Experience\n\n- Leading teams\n\n## Asset qualifications\n\n- A third language\n\n"
        "## What you’ll do\n\n- Lead the team\n"
    )
    assert [(c.kind, c.text, c.section) for c in posting.criteria] == [
        ("essential", "A degree", "Education"),
        ("essential", "Leading teams", "Experience"),
        ("asset", "A third language", "Asset qualifications"),
    ]


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        (
            "en/assessment-subheadings.md",
            [("duties", 2), ("assessment", 0), ("assessment", 3), ("assets", 2), ("qualifications", 1), (None, 0)],
        ),
        ("fr/evaluation-sous-titres.md", [("assessment", 0), ("assessment", 3), ("assets", 2), (None, 0)]),
    ],
)
def test_assessment_heading_with_prose_claims_its_essential_and_asset_sub_lists(
    fixture: str, expected: list[tuple[str | None, int]]
) -> None:
    posting = parse_fixture(fixture)
    assert [(s.role, len(s.items)) for s in posting.sections] == expected
    # the later "What we're looking for" list is a list of its own, left out because an assessment exists
    assert all(c.section != "What we’re looking for" for c in posting.criteria)
    assert not posting.warnings


@pytest.mark.parametrize(
    ("essential", "asset", "other"),
    [
        (
            "Candidates must meet the following essential criteria:",
            "It would be an asset if you have:",
            "**What we’re looking for:**",
        ),
        (
            "Les candidat·e·s doivent satisfaire aux critères essentiels suivants :",
            "Atouts :",
            "**Ce que nous recherchons :**",
        ),
    ],
)
def test_sentence_sub_headings_that_name_a_kind_stay_in_the_assessment(essential: str, asset: str, other: str) -> None:
    posting = parse_text(
        f"---\ntitle: T\n---\n## We’ll evaluate you based on:\n\nWe read every application.\n\n{essential}\n\n"
        f"- E1\n- E2\n\n{asset}\n\n- A1\n\n{other}\n\n- Q1\n"
    )
    assert [(c.kind, c.text) for c in posting.criteria] == [("essential", "E1"), ("essential", "E2"), ("asset", "A1")]
    assert next(s.role for s in posting.sections if s.heading == essential) == "assessment"


@pytest.mark.parametrize("fixture", ["en/qualification-subsections.md", "fr/qualites-sous-sections.md"])
def test_every_qualification_sub_section_is_in_the_rubric_with_its_kind(fixture: str) -> None:
    posting = parse_fixture(fixture)
    by_section: dict[str, str] = {}
    for criterion in posting.criteria:
        by_section[criterion.section] = by_section.get(criterion.section, "") + criterion.kind[0]
    assert list(by_section.values()) == ["ee", "e", "ee", "ee", "a"]
    offered = next(s for s in posting.sections if s.heading.startswith(("What we offer", "Ce que nous offrons")))
    assert offered.role is None and all(c.section != offered.heading for c in posting.criteria)


def test_must_have_nice_to_have_and_able_to_learn_sub_headings() -> None:
    posting = parse_fixture("en/must-have-able-to-learn.md")
    assert [(c.kind, c.section) for c in posting.criteria] == [
        ("essential", "Must Haves"),
        ("essential", "Must Haves"),
        ("asset", "Nice to have"),
        ("asset", "Able to Learn"),
        ("asset", "Able to Learn"),
    ]


@pytest.mark.parametrize("fixture", ["en/asset-cues.md", "fr/atouts-dans-les-items.md"])
def test_asset_cues_in_items_and_headings(fixture: str) -> None:
    posting = parse_fixture(fixture)
    kinds = [(c.kind, c.text.split()[0]) for c in posting.criteria]
    assert [kind for kind, _ in kinds] == ["essential", "essential", "asset", "asset", "asset", "asset"]
    assert posting.criteria[-1].section in ("It would be nice to have:", "Un atout :")


@pytest.mark.parametrize(
    ("fixture", "abilities", "rubric"),
    [
        ("en/abilities-duties.md", "You will be able to:", "What we’re looking for"),
        (
            "fr/saura-et-exigences.md",
            "Nous recherchons une personne qui saura :",
            "Un(e) excellent(e) candidat(e) pourra :",
        ),
        (
            "fr/capable-de-et-candidate.md",
            "Le candidat ou la candidate est capable de :",
            "Vous êtes un excellent candidat ou une excellente candidate si :",
        ),
        ("en/duties-under-qualifications.md", "What we’re looking for:", "An excellent candidate will be able to:"),
    ],
)
def test_duties_phrased_as_abilities_next_to_qualifications_are_duties(
    fixture: str, abilities: str, rubric: str
) -> None:
    posting = parse_fixture(fixture)
    roles = {s.heading: s.role for s in posting.sections}
    assert roles[abilities] == "duties"
    assert {c.section for c in posting.criteria} == {rubric}


def test_two_seeking_lists_the_one_naming_the_candidate_is_the_rubric() -> None:
    posting = parse_text(
        "---\ntitle: T\n---\n## Nous sommes à la recherche d’une personne qui :\n\n- gérera le budget\n"
        "- animera l’équipe\n\n## Le candidat ou la candidate est capable de :\n\n- lire un budget\n"
    )
    roles = [s.role for s in posting.sections]
    assert roles == ["duties", "qualifications"]
    assert [c.text for c in posting.criteria] == ["lire un budget"]


def test_abilities_list_alone_is_the_rubric() -> None:
    posting = parse_text(
        "---\ntitle: T\n---\n## Le candidat ou la candidate est capable de :\n\n- cartographier\n- animer\n"
    )
    assert [c.text for c in posting.criteria] == ["cartographier", "animer"]
    assert not posting.warnings


def test_duty_phrased_list_is_kept_when_it_is_the_only_list() -> None:
    posting = parse_text("---\ntitle: T\n---\nWhat we’re looking for:\n\n- You will run sessions\n- You will report\n")
    assert [c.kind for c in posting.criteria] == ["essential", "essential"]


def test_bold_labels_after_a_full_list_stay_in_the_rubric() -> None:
    posting = parse_text(
        "---\ntitle: T\n---\n## What we’re looking for\n\n- general\n\n**Leadership**\n\n- Leads\n\n"
        "**Bonus**\n\n- Speaks Inuktitut\n\n## What we offer\n\n- Pension\n"
    )
    assert [(c.kind, c.text) for c in posting.criteria] == [
        ("essential", "general"),
        ("essential", "Leads"),
        ("asset", "Speaks Inuktitut"),
    ]


def test_lead_in_after_a_full_list_is_not_claimed() -> None:
    posting = parse_text(
        "---\ntitle: T\n---\n## What we’re looking for\n\n- general\n\n### Technical skills\n\n- Python\n\n"
        "Location:\n\n- Anywhere in Canada\n"
    )
    assert [c.text for c in posting.criteria] == ["general", "Python"]


def test_under_indented_bullets_nest_under_the_previous_ordered_item() -> None:
    criteria = parse_fixture("en/indented-sublist.md").criteria
    assert criteria[0].text == (
        "Experience leading a development team, including: setting clear expectations; giving feedback early and often"
    )
    assert criteria[1].text == "Experience shipping web applications."


def test_dash_paragraphs_are_list_items() -> None:
    criteria = parse_fixture("fr/dash-paragraphs.md").criteria
    assert [c.text for c in criteria] == [
        "vous aimez la recherche",
        "vous écrivez des notes claires",
        "vous travaillez bien en équipe.",
    ]


def test_front_matter_fields_are_read() -> None:
    posting = parse_fixture("en/assessment-ordered.md")
    assert posting.title == "Accessibility Specialist"
    assert posting.translation_key == "fixture-accessibility-specialist"
    assert posting.lever_id == "00000000-0000-4000-8000-000000000001"
    assert posting.archived is False
    assert posting.lang == "en"
    assert posting.metadata["description"].startswith("Northwind")
    assert len(posting.content_hash) == 64


@pytest.mark.parametrize(
    ("markdown", "heading", "items"),
    [
        ("# What we’re looking for\n\n- one\n- two\n", "What we’re looking for", ["one", "two"]),
        ("###### What we’re looking for\n\n1) one\n2) two\n", "What we’re looking for", ["one", "two"]),
        ("What we’re looking for\n======================\n\n* one\n", "What we’re looking for", ["one"]),
        ("**What we’re looking for**:\n\n- one\n", "What we’re looking for:", ["one"]),
        ("__What we’re looking for__\n\n- one\n", "What we’re looking for", ["one"]),
        ("What we’re looking for:\n- one\n- two\n", "What we’re looking for:", ["one", "two"]),
        ("<h3>What we’re looking for</h3>\n\n- one\n", "What we’re looking for", ["one"]),
        (
            "<p><strong>What we’re looking for</strong></p>\n\n<ul>\n<li>one</li>\n<li><b>two</b> too</li>\n</ul>\n",
            "What we’re looking for",
            ["one", "two too"],
        ),
        ("<p>**What we’re looking for:**</p>\n\n<p>&#8211; one</p>\n", "What we’re looking for:", ["one"]),
        (
            "<ul>\n<li>ignored before any heading</li>\n</ul>\n\n## What we’re looking for\n\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n",
            "What we’re looking for",
            ["one", "two"],
        ),
        (
            "## What we’re looking for\n\n- one\n  continued on an indented line\n- two\nlazy line\n",
            "What we’re looking for",
            ["one continued on an indented line", "two lazy line"],
        ),
        (
            "## What we’re looking for\n\n- **Bold lead-in:** rest\n- [link text](https://example.org) rest\n",
            "What we’re looking for",
            ["Bold lead-in: rest", "link text rest"],
        ),
        (
            "## What we’re looking for\n\n- one\n  - sub a\n    - sub sub\n  - sub b\n",
            "What we’re looking for",
            ["one: sub a: sub sub; sub b"],
        ),
        (
            "## What we’re looking for\n\n- Tom &amp; Jerry&nbsp;&#8211; duo\n",
            "What we’re looking for",
            ["Tom & Jerry – duo"],
        ),
    ],
)
def test_heading_and_list_shapes(markdown: str, heading: str, items: list[str]) -> None:
    posting = parse_text("---\ntitle: T\n---\n" + markdown)
    section = next(s for s in posting.sections if s.role == "qualifications")
    assert section.heading == heading
    assert [item.text.replace("\u00a0", " ") for item in section.items] == items
    assert [c.text.replace("\u00a0", " ") for c in posting.criteria] == items


def test_assessment_wins_over_qualifications_and_keeps_assets() -> None:
    posting = parse_text(
        "---\ntitle: T\n---\n## What we’re looking for\n\n- passion\n\n## We’ll evaluate you based on:\n\n"
        "- skill one\n- skill two\n\n## Assets\n\n- extra\n"
    )
    assert [(c.text, c.kind) for c in posting.criteria] == [
        ("skill one", "essential"),
        ("skill two", "essential"),
        ("extra", "asset"),
    ]


def test_only_assets_gives_asset_criteria_with_a_warning() -> None:
    posting = parse_text("---\ntitle: T\n---\n## Nice to have\n\n- extra\n")
    assert [c.kind for c in posting.criteria] == ["asset"]
    assert any("asset" in warning for warning in posting.warnings)


def test_criteria_from_sections_rebuilds_in_the_order_given() -> None:
    posting = parse_fixture("en/qualifications-bold.md")
    duties, qualifications, assets = (s.index for s in posting.sections)
    rebuilt = criteria_from_sections(posting, [assets, duties])
    assert [(c.number, c.kind, c.text) for c in rebuilt] == [
        (1, "asset", "A portfolio of published work."),
        (2, "essential", "Write and test content with users."),
        (3, "essential", "Keep the style guide up to date."),
    ]
    assert criteria_from_sections(posting, []) == []


def test_criteria_from_sections_refuses_an_unknown_index() -> None:
    posting = parse_fixture("en/qualifications-bold.md")
    with pytest.raises(ValueError, match="no section 99"):
        criteria_from_sections(posting, [99])


@pytest.mark.parametrize(
    ("en_name", "fr_name", "count"),
    [
        ("senior-service-designer.md", "concepteur-de-services-principal.md", 8),
        ("data-engineer.md", "ingenieur-de-donnees.md", 7),
    ],
)
def test_examples_are_bilingual_rubrics_with_an_assessment_heading(en_name: str, fr_name: str, count: int) -> None:
    en = parse_file(EXAMPLES / "en" / en_name)
    fr = parse_file(EXAMPLES / "fr" / fr_name)
    assert (en.lang, fr.lang) == ("en", "fr")
    assert en.translation_key == fr.translation_key
    assert len(en.criteria) == len(fr.criteria) == count
    assert [c.kind for c in en.criteria] == [c.kind for c in fr.criteria]
    assert any(s.role == "assessment" for s in en.sections)
    assert any(s.role == "assessment" for s in fr.sections)
    assert en.warnings == fr.warnings == []
