"""French a GC board would sign (issue #21): the catalog's typography, and every count with a plural.

Runs in ``make test`` with the rest of the suite: a new msgid with a breaking space before « : », an
abbreviated doublet or a count without a plural form fails here, not in a reviewer's reading.
"""

from __future__ import annotations

import re
import string

import pytest

from tracker.i18n import tn, translations
from tracker.i18n.catalog import extract_msgids
from tracker.i18n.lint import lint_catalog, lint_text

NB = "\u00a0"


def test_the_french_catalog_passes_the_typography_lint() -> None:
    findings = lint_catalog("fr")
    assert not findings, "\n".join(map(str, findings[:40]))


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("Nom : Ana", "breaking space before « : »"),
        ("Enregistrez ; puis rechargez.", "space before « ; », « ? » or « ! »"),
        (f"Vraiment{NB}?", "space before « ; », « ? » or « ! »"),
        (f"Cliquez sur « Enregistrer{NB}».", "breaking space or none after « « »"),
        (f"Cliquez sur «{NB}Enregistrer ».", "breaking space or none before « » »"),
        ("Cliquez sur “Enregistrer”.", "English quotation marks in French"),
        (f"Le champ «{NB}{NB}notes{NB}» est long.", "two spaces in a row"),
        ("Chaque candidat(e) reçoit un courriel.", "abbreviated doublet « (e) »"),
        ("Problème(s) trouvé(s).", "abbreviated doublet « (e) »"),
        ("Concepteur·rice de services", "abbreviated doublet « · »"),
        ("Chaque candidat/candidate reçoit", "abbreviated doublet « / »"),
    ],
)
def test_the_lint_catches_each_rule(text: str, rule: str) -> None:
    assert rule in lint_text(text)


@pytest.mark.parametrize(
    "text",
    [
        f"Nom{NB}: Ana; langue{NB}: français.",
        f"Cliquez sur «{NB}Enregistrer{NB}». Vraiment?",
        "**Version 2** · Verrouillée · 3 critères",  # a separator, not a doublet
        "Écrivez-le sous forme de lignes clé: valeur (title: ...).",
        "Voir https://example.ca/a/b et le fichier postings/fr/offre.md.",
        "{done} sur {total}",
    ],
)
def test_the_lint_leaves_correct_french_alone(text: str) -> None:
    assert lint_text(text) == []


def _plural_ids() -> list[tuple[str, str]]:
    return sorted(m for m in extract_msgids() if isinstance(m, tuple))


def _params(*texts: str) -> dict[str, str]:
    return {
        name: "X"
        for text in texts
        for _lit, name, _spec, _conv in string.Formatter().parse(text)
        if name and name != "n"
    }


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_plural_message_is_right_for_0_1_and_2(lang: str) -> None:
    """English: 1 is singular, 0 and 2 plural. French: 0 and 1 singular, 2 plural. Each form names n."""
    ids = _plural_ids()
    assert len(ids) >= 14
    for singular, plural in ids:
        params = _params(singular, plural)
        catalog = translations(lang)
        forms = {n: catalog.ngettext(singular, plural, n) for n in (0, 1, 2)}
        if lang == "fr" or singular != plural:  # English may not vary ("2 of 3 not met"); French does
            assert forms[1] != forms[2], (lang, singular)
        assert forms[0] == (forms[1] if lang == "fr" else forms[2]), (lang, singular)
        for n in (0, 1, 2):
            text = tn(singular, plural, n, lang, **params)
            assert str(n) in text, (lang, singular, n, text)


# A count written before its noun ("{n} drafts", « {done} grilles ») has no plural form unless it goes
# through ngettext; the "label: number" form ("Drafts: {n}") needs none. Placeholders that hold counts:
# (Not "limit": limits are never 0 or 1.)
_COUNTS = {"n", "count", "done", "total", "missing", "drafts", "ready", "shown", "rated", "created", "updated",
           "unchanged", "new_version", "failed"}  # fmt: skip
_COUNT_BEFORE_NOUN = re.compile(r"\{(\w+)\}\**\s+(?!of\b|sur\b|on\b|de\b|des\b|[—–-])([A-Za-zÀ-ÿ]+)")
# Counts that are never 0 or 1, or where no word agrees with the count (reviewed one by one).
_REVIEWED = {
    "A rubric holds at most {limit} criteria (you gave {count}).",  # the limit is 60
    "… {pending} of {n} without a verdict yet",  # « … 1 sur 3 sans verdict »: nothing agrees
    # Only said when two or more files share a key.
    "{count} {language} postings share translationKey {key} ({detail}); using {path}, ignoring {ignored}.",
}


def test_no_singular_message_puts_a_count_before_its_noun() -> None:
    offenders = []
    for msgid in extract_msgids():
        if isinstance(msgid, tuple) or msgid in _REVIEWED:
            continue
        for text in (msgid, translations("fr").gettext(msgid)):
            offenders += [(msgid, m.group(0)) for m in _COUNT_BEFORE_NOUN.finditer(text) if m.group(1) in _COUNTS]
    assert not offenders, "\n".join(f"{m!r}: {hit!r}" for m, hit in offenders)


@pytest.mark.parametrize(
    ("lang", "n", "expected"),
    [
        ("en", 0, "**0** of **3** candidates are ready for a decision."),
        ("en", 1, "**1** of **3** candidates is ready for a decision."),
        ("en", 2, "**2** of **3** candidates are ready for a decision."),
        ("fr", 0, "**0** candidature sur **3** est prête pour une décision."),
        ("fr", 1, "**1** candidature sur **3** est prête pour une décision."),
        ("fr", 2, "**2** candidatures sur **3** sont prêtes pour une décision."),
    ],
)
def test_the_ready_count_agrees_with_its_number(lang: str, n: int, expected: str) -> None:
    text = tn(
        "**{n}** of **{total}** candidates is ready for a decision.",
        "**{n}** of **{total}** candidates are ready for a decision.",
        n,
        lang,
        total=3,
    )
    assert text == expected
