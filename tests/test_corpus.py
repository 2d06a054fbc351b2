"""The real postings in ../shared (read at run time, never copied): every one parses, the seed pairs up.

Skipped, with the reason, when ../shared/corpus is not next to the repository (a fresh clone elsewhere).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tracker.parsing import ParsedPosting, pair_postings, parse_file, parse_paths

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus" / "postings"
SEED = SHARED / "seed"
DOCS = REPO / "docs" / "parsing.md"

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(
        not CORPUS.is_dir(), reason=f"the posting corpus is not at {CORPUS} (../shared/corpus/postings)"
    ),
]

# Postings that state no criteria at all (closed-process notices); docs/parsing.md says why.
WITHOUT_CRITERIA = {"en/chief-of-staff.md", "fr/chef-de-cabinet.md"}

# Expected (criteria, of which assets), checked by reading each posting against the rules in docs/parsing.md.
EXPECTED_COUNTS = [
    ("en/administrative-officer-internal-operations.md", 6, 0),
    ("en/communications-assistant.md", 9, 0),
    ("en/consulting-digital-practitioner---devsecops.md", 10, 0),
    ("en/consulting-digital-practitioner---research-and-service-design.md", 5, 0),
    ("en/content-designer--e28b029a-9d1a-4217-aece-c45cab0ed56d.md", 5, 0),
    ("en/content-designers.md", 5, 0),
    ("en/covid-alert-sre-developer.md", 7, 0),
    ("en/designer-researcher.md", 7, 0),
    ("en/director-of-digital-practice.md", 5, 0),
    ("en/director-of-platform.md", 9, 0),
    ("en/director-of-talent-and-internal-operations.md", 8, 0),
    ("en/diversity-equity-inclusion-program-manager.md", 14, 0),
    ("en/english-to-french-translator-content-coordinator.md", 2, 0),
    ("en/executive-assistant---chief-operating-officer.md", 9, 1),
    ("en/executive-assistant-to-the-chief-operating-officer.md", 9, 1),
    ("en/french-content-designer.md", 5, 0),
    ("en/full-stack-developer-partnerships.md", 8, 0),
    ("en/full-stack-software-developer-mvp.md", 10, 0),
    ("en/full-stack-software-developer-platform.md", 8, 0),
    ("en/full-stack-software-developer.md", 10, 0),
    ("en/google-civic-leave.md", 21, 0),
    ("en/head-of-design.md", 17, 0),
    ("en/head-of-engineering.md", 12, 0),
    ("en/head-of-internal-operations.md", 6, 0),
    ("en/head-of-partnerships.md", 8, 0),
    ("en/head-of-product-management.md", 7, 0),
    ("en/head-of-software-development.md", 8, 0),
    ("en/interaction-designer.md", 7, 0),
    ("en/interaction-designers.md", 5, 0),
    ("en/internal-communications-advisor.md", 4, 0),
    ("en/it-operations-and-security-lead.md", 5, 0),
    ("en/new-job-posting-test.md", 5, 0),
    ("en/outreach-assistant-co-op.md", 8, 0),
    ("en/partnership-advisor.md", 7, 0),
    ("en/people-&-culture-coordinator.md", 6, 0),
    ("en/people-operations-coordinator--272a1ae2-b8ca-4fec-b954-2da30b0f24a7.md", 5, 0),
    ("en/people-operations-coordinator.md", 5, 0),
    ("en/policy-advisor.md", 16, 8),
    ("en/policy-analyst.md", 8, 0),
    ("en/recruitment-administrator.md", 5, 0),
    ("en/senior-agile-delivery-manager-partnerships.md", 7, 0),
    ("en/senior-content-designer.md", 6, 0),
    ("en/senior-design-researcher.md", 8, 0),
    ("en/senior-designer.md", 6, 1),
    ("en/senior-developers.md", 5, 0),
    ("en/senior-front-end-developer.md", 9, 0),
    ("en/senior-front-end-software-developer.md", 8, 0),
    ("en/senior-infrastructure-developer.md", 7, 0),
    ("en/senior-policy-advisor--289adf15-22f1-44fb-885c-3b2ea720183b.md", 9, 0),
    ("en/senior-procurement-advisor.md", 8, 0),
    ("en/senior-product-manager---partnerships.md", 7, 0),
    ("en/service-designers.md", 5, 0),
    ("en/shopify-civic-leave.md", 15, 0),
    ("en/storyteller-and-media-relations-advisor.md", 5, 1),
    ("en/team-lead---gc-notify.md", 5, 0),
    ("en/technical-operations-analyst.md", 6, 0),
    ("en/technical-support-developer--231fd144-b6ca-4278-9667-adb6f62b869f.md", 9, 0),
    ("en/technical-support-developer.md", 7, 0),
    ("en/temp-software-developer-covid-alert-portal.md", 13, 0),
    ("en/temp-software-developer-covid-alert-server.md", 14, 0),
    ("en/test-job-post-devsecops.md", 10, 0),
    ("en/test.md", 8, 0),
    ("en/translator-content-coordinator.md", 2, 0),
    ("en/visual-designers.md", 5, 0),
    ("en/visual-storyteller.md", 11, 0),
    ("fr/administrateur-de-recrutement-administratrice-de-recrutement.md", 5, 0),
    ("fr/analyste-des-politiques.md", 8, 0),
    ("fr/assistant-ou-assistante-en-communications.md", 9, 0),
    ("fr/chef-de-la-conception.md", 17, 0),
    ("fr/chef-de-la-gestion-de-produits.md", 7, 0),
    ("fr/chef-des-partenariats.md", 8, 0),
    ("fr/chercheur-concepteur.md", 15, 0),
    ("fr/chercheur-quantitatif-en-conception.md", 8, 0),
    ("fr/concepteur-ou-conceptrice-de-contenu-senior.md", 6, 0),
    ("fr/concepteur-ou-conceptrice-de-contenu.md", 6, 0),
    ("fr/concepteur-principal-conceptrice-principale.md", 6, 1),
    ("fr/concepteurs-de-contenu.md", 5, 0),
    ("fr/concepteurs-de-services.md", 5, 0),
    ("fr/concepteurs-visuels.md", 5, 0),
    ("fr/conseiller-en-partenariats.md", 7, 0),
    ("fr/conseiller-principal-en-approvisionnement.md", 8, 0),
    ("fr/conseiller-principal-en-politiques.md", 9, 0),
    ("fr/coordonnateur-coordonnatrice-du-personnel-et-de-la-culture.md", 5, 0),
    ("fr/directeur-de-plateforme.md", 9, 0),
    ("fr/fr-test-job-post-devsecops.md", 10, 0),
    ("fr/gestionnaire-principal-de-la-livraison-agile-partenariats.md", 7, 0),
    ("fr/head-of-engineering.md", 12, 0),
    ("fr/narrateur-visuel.md", 10, 0),
    ("fr/traducteur-traductrice---coordonnateur-coordonnatrice-de-contenu.md", 2, 0),
]


@pytest.fixture(scope="module")
def corpus_run():
    return parse_paths([CORPUS, SEED])


def test_every_corpus_file_parses_without_error(corpus_run) -> None:
    assert corpus_run.errors == []
    assert len(corpus_run.postings) == len(list(CORPUS.rglob("*.md"))) + len(list(SEED.glob("*.md")))


def test_at_least_95_percent_of_postings_get_criteria_and_the_rest_are_documented(corpus_run) -> None:
    without = {_relative(p) for p in corpus_run.postings if not p.criteria}
    share = 1 - len(without) / len(corpus_run.postings)
    assert share >= 0.95, f"only {share:.1%} of postings have criteria; missing: {sorted(without)}"
    assert without == WITHOUT_CRITERIA
    documented = DOCS.read_text(encoding="utf-8")
    assert all(name in documented for name in WITHOUT_CRITERIA)


@pytest.mark.parametrize(("name", "count", "assets"), EXPECTED_COUNTS, ids=[row[0] for row in EXPECTED_COUNTS])
def test_expected_criteria_counts(name: str, count: int, assets: int) -> None:
    posting = parse_file(CORPUS / name)
    assert (len(posting.criteria), sum(c.kind == "asset" for c in posting.criteria)) == (count, assets)


def test_count_table_covers_every_corpus_posting() -> None:
    listed = {name for name, _, _ in EXPECTED_COUNTS} | WITHOUT_CRITERIA
    assert listed == {p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*.md")}


def _seed_and_translation() -> tuple[ParsedPosting, ParsedPosting]:
    seeds = sorted(SEED.glob("*.md"))
    assert seeds, f"no seed posting in {SEED}"
    french = parse_file(seeds[0])
    english = [
        posting
        for path in sorted((CORPUS / "en").glob("*.md"))
        if (posting := parse_file(path)).translation_key == french.translation_key
    ]
    assert len(english) == 1, f"expected one English posting with translationKey {french.translation_key!r}"
    return french, english[0]


def _listed_prefixes(text: str, heading_start: str, length: int = 24) -> list[str]:
    """Independent oracle: the numbered lines right under the heading, read as plain lines."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip("# ").startswith(heading_start))
    prefixes: list[str] = []
    for line in lines[start + 1 :]:
        if not line.strip():
            if prefixes:
                break
            continue
        match = re.match(r"\s*\d+\.\s+(.*)", line)
        if not match:
            break
        prefixes.append(match.group(1)[:length])
    return prefixes


def test_seed_and_its_english_translation_give_seven_paired_essential_criteria() -> None:
    french, english = _seed_and_translation()
    assert (french.lang, english.lang) == ("fr", "en")
    for posting in (french, english):
        assert len(posting.criteria) == 7
        assert {c.kind for c in posting.criteria} == {"essential"}
    (pair,) = pair_postings([english, french])
    assert pair.paired and (pair.en, pair.fr) == (english.path, french.path)

    assert french.criteria[0].section.startswith("Vous serez évalué")
    assert english.criteria[0].section.startswith("We’ll evaluate you based on your")
    for posting, heading in ((french, "Vous serez évalué"), (english, "We’ll evaluate you based on")):
        prefixes = _listed_prefixes(posting.text, heading)
        assert len(prefixes) == 7
        for criterion, prefix in zip(posting.criteria, prefixes, strict=True):
            assert criterion.text.startswith(prefix.strip())
    assert french.criteria[0].text.startswith("Connaissance et expérience")
    assert english.criteria[0].text.startswith("Knowledge of and experience")
    assert french.criteria[6].text.startswith("Promouvoir une prestation")
    assert english.criteria[6].text.startswith("Ability to promote inclusive")


def test_seed_criteria_lines_point_at_the_numbered_items() -> None:
    french, _ = _seed_and_translation()
    lines = french.text.splitlines()
    for criterion in french.criteria:
        assert lines[criterion.line - 1].startswith(f"{criterion.number}. ")


def _relative(posting: ParsedPosting) -> str:
    path = Path(posting.path).resolve()
    try:
        return path.relative_to(CORPUS.resolve()).as_posix()
    except ValueError:
        return f"seed/{path.name}"
