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

# Expected kind of every criterion in order (e essential, a asset), checked by reading each posting against
# the rules in docs/parsing.md: the count is the string's length.
EXPECTED_KINDS = [
    ("en/administrative-officer-internal-operations.md", "eeeeee"),
    ("en/communications-assistant.md", "eeeeeeeee"),
    ("en/consulting-digital-practitioner---devsecops.md", "eeeeeeeeee"),
    ("en/consulting-digital-practitioner---research-and-service-design.md", "eeeee"),
    ("en/content-designer--e28b029a-9d1a-4217-aece-c45cab0ed56d.md", "eeeaa"),
    ("en/content-designers.md", "eeeee"),
    ("en/covid-alert-sre-developer.md", "eeeeeee"),
    ("en/designer-researcher.md", "eeeeeee"),
    ("en/director-of-digital-practice.md", "eeeee"),
    ("en/director-of-platform.md", "eeeeeeeee"),
    ("en/director-of-talent-and-internal-operations.md", "eeeeeeee"),
    ("en/diversity-equity-inclusion-program-manager.md", "eeeeeee"),
    ("en/english-to-french-translator-content-coordinator.md", "ee"),
    ("en/executive-assistant---chief-operating-officer.md", "eeeeeeeea"),
    ("en/executive-assistant-to-the-chief-operating-officer.md", "eeeeeeeea"),
    ("en/french-content-designer.md", "eeeee"),
    ("en/full-stack-developer-partnerships.md", "eeeeeeee"),
    ("en/full-stack-software-developer-mvp.md", "eeeeeeeeee"),
    ("en/full-stack-software-developer-platform.md", "eeeeeeee"),
    ("en/full-stack-software-developer.md", "eeeeeeeeee"),
    ("en/google-civic-leave.md", "eeeeeeeeeeeeeeeeeeeee"),
    ("en/head-of-design.md", "eeeeeeeeeeeeeeeee"),
    ("en/head-of-engineering.md", "eeeeeeeeeeee"),
    ("en/head-of-internal-operations.md", "eeeeee"),
    ("en/head-of-partnerships.md", "eeeeeeee"),
    ("en/head-of-product-management.md", "eeeeeee"),
    ("en/head-of-software-development.md", "eeeeeeee"),
    ("en/interaction-designer.md", "eeeeeee"),
    ("en/interaction-designers.md", "eeeee"),
    ("en/internal-communications-advisor.md", "eeee"),
    ("en/it-operations-and-security-lead.md", "eeeee"),
    ("en/new-job-posting-test.md", "eeeee"),
    ("en/outreach-assistant-co-op.md", "eeeeeeee"),
    ("en/partnership-advisor.md", "eeeeeee"),
    ("en/people-&-culture-coordinator.md", "eeeeee"),
    ("en/people-operations-coordinator--272a1ae2-b8ca-4fec-b954-2da30b0f24a7.md", "eeeee"),
    ("en/people-operations-coordinator.md", "eeeee"),
    ("en/policy-advisor.md", "eeeeeeeeaaaaaaaa"),
    ("en/policy-analyst.md", "eeeeeeee"),
    ("en/recruitment-administrator.md", "eeeee"),
    ("en/senior-agile-delivery-manager-partnerships.md", "eeeeeee"),
    ("en/senior-content-designer.md", "eeeeaa"),
    ("en/senior-design-researcher.md", "eeeeeeee"),
    ("en/senior-designer.md", "eeeeea"),
    ("en/senior-developers.md", "eeeee"),
    ("en/senior-front-end-developer.md", "eeeeeeeee"),
    ("en/senior-front-end-software-developer.md", "eeeeeeee"),
    ("en/senior-infrastructure-developer.md", "eeeeeee"),
    ("en/senior-policy-advisor--289adf15-22f1-44fb-885c-3b2ea720183b.md", "eeeeeeeee"),
    ("en/senior-procurement-advisor.md", "eeeeeeee"),
    ("en/senior-product-manager---partnerships.md", "eeeeeee"),
    ("en/service-designers.md", "eeeee"),
    ("en/shopify-civic-leave.md", "eeeeeeeeeeeeeee"),
    ("en/storyteller-and-media-relations-advisor.md", "eeeea"),
    ("en/team-lead---gc-notify.md", "eeeee"),
    ("en/technical-operations-analyst.md", "eeeeee"),
    ("en/technical-support-developer--231fd144-b6ca-4278-9667-adb6f62b869f.md", "eeeeeeeee"),
    ("en/technical-support-developer.md", "eeeeeee"),
    ("en/temp-software-developer-covid-alert-portal.md", "eeeeeeeeeeeeeaaa"),
    ("en/temp-software-developer-covid-alert-server.md", "eeeeeeeeeeeeeeaa"),
    ("en/test-job-post-devsecops.md", "eeeeeeeeee"),
    ("en/test.md", "eeeeeeee"),
    ("en/translator-content-coordinator.md", "ee"),
    ("en/visual-designers.md", "eeeee"),
    ("en/visual-storyteller.md", "eeeeeeeeeee"),
    ("fr/administrateur-de-recrutement-administratrice-de-recrutement.md", "eeeee"),
    ("fr/analyste-des-politiques.md", "eeeeeeee"),
    ("fr/assistant-ou-assistante-en-communications.md", "eeeeeeeee"),
    ("fr/chef-de-la-conception.md", "eeeeeeeeeeeeeeeee"),
    ("fr/chef-de-la-gestion-de-produits.md", "eeeeeee"),
    ("fr/chef-des-partenariats.md", "eeeeeeee"),
    ("fr/chercheur-concepteur.md", "eeeeeee"),
    ("fr/chercheur-quantitatif-en-conception.md", "eeeeeeee"),
    ("fr/concepteur-ou-conceptrice-de-contenu-senior.md", "eeeeaa"),
    ("fr/concepteur-ou-conceptrice-de-contenu.md", "eeeeaa"),
    ("fr/concepteur-principal-conceptrice-principale.md", "eeeeea"),
    ("fr/concepteurs-de-contenu.md", "eeeee"),
    ("fr/concepteurs-de-services.md", "eeeee"),
    ("fr/concepteurs-visuels.md", "eeeee"),
    ("fr/conseiller-en-partenariats.md", "eeeeeee"),
    ("fr/conseiller-principal-en-approvisionnement.md", "eeeeeeee"),
    ("fr/conseiller-principal-en-politiques.md", "eeeeeeeee"),
    ("fr/coordonnateur-coordonnatrice-du-personnel-et-de-la-culture.md", "eeeee"),
    ("fr/directeur-de-plateforme.md", "eeeeeeeee"),
    ("fr/fr-test-job-post-devsecops.md", "eeeeeeeeee"),
    ("fr/gestionnaire-principal-de-la-livraison-agile-partenariats.md", "eeeeeee"),
    ("fr/head-of-engineering.md", "eeeeeeeeeeee"),
    ("fr/narrateur-visuel.md", "eeeeeeeeee"),
    ("fr/traducteur-traductrice---coordonnateur-coordonnatrice-de-contenu.md", "ee"),
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


@pytest.mark.parametrize(("name", "kinds"), EXPECTED_KINDS, ids=[row[0] for row in EXPECTED_KINDS])
def test_expected_criteria_and_their_kinds(name: str, kinds: str) -> None:
    posting = parse_file(CORPUS / name)
    assert "".join(criterion.kind[0] for criterion in posting.criteria) == kinds


def test_count_table_covers_every_corpus_posting() -> None:
    listed = {name for name, _ in EXPECTED_KINDS} | WITHOUT_CRITERIA
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
