"""English and French versions of one posting (same ``translationKey``) as one bilingual rubric."""

from __future__ import annotations

from collections import defaultdict

from tracker.i18n import N_
from tracker.i18n.message import Message
from tracker.parsing.model import ParsedPosting, PostingPair


def pair_postings(postings: list[ParsedPosting]) -> list[PostingPair]:
    """One pair per translationKey, in order of first appearance.

    ``paired`` is true when both languages are present and have the same, non-zero number of
    criteria: criterion n in English is then criterion n in French. Otherwise each side keeps its
    criteria and the pair's warnings say why they cannot be matched.
    """
    groups: dict[str, list[ParsedPosting]] = defaultdict(list)
    for posting in postings:
        if posting.translation_key:
            groups[posting.translation_key].append(posting)
    return [_pair(key, members) for key, members in groups.items()]


def _pair(key: str, members: list[ParsedPosting]) -> PostingPair:
    warnings: list[Message] = []
    by_lang = {lang: [p for p in members if p.lang == lang] for lang in ("en", "fr")}
    chosen: dict[str, ParsedPosting | None] = {}
    for lang, candidates in by_lang.items():
        other = by_lang["fr" if lang == "en" else "en"]
        kept = chosen[lang] = _choose(candidates, other)
        if kept is not None and len(candidates) > 1:
            ignored = [p.path for p in candidates if p is not kept]
            same = all(p.content_hash == kept.content_hash for p in candidates)
            detail = Message(N_("identical copies") if same else N_("different contents"))
            warnings.append(
                Message(
                    N_("{count} {language} postings share translationKey {key} ({detail}); using {path}, ignoring {ignored}."),
                    count=len(candidates), language=Message(_NAMES[lang]), key=repr(key), detail=detail,
                    path=kept.path, ignored=ignored,
                )
            )  # fmt: skip
    en, fr = chosen["en"], chosen["fr"]
    paired = False
    if en is None or fr is None:
        if fr is None:
            warnings.append(Message(N_("No French version with translationKey {key}; criteria cannot be paired."), key=repr(key)))
        else:
            warnings.append(Message(N_("No English version with translationKey {key}; criteria cannot be paired."), key=repr(key)))
    elif len(en.criteria) != len(fr.criteria):
        warnings.append(
            Message(
                N_("English has {en} criteria and French has {fr}; each side keeps its own criteria: pair them by hand."),
                en=len(en.criteria), fr=len(fr.criteria),
            )
        )  # fmt: skip
    elif not en.criteria:
        warnings.append(Message(N_("Neither version has criteria to pair.")))
    else:
        paired = True
    return PostingPair(
        translation_key=key,
        en=en.path if en else None,
        fr=fr.path if fr else None,
        paired=paired,
        warnings=warnings,
    )


_NAMES = {"en": N_("English"), "fr": N_("French")}


def _choose(candidates: list[ParsedPosting], other: list[ParsedPosting]) -> ParsedPosting | None:
    """Prefer the copy whose criteria count matches the other language, then the first one."""
    if not candidates:
        return None
    if other:
        target = len(other[0].criteria)
        for posting in candidates:
            if len(posting.criteria) == target and target:
                return posting
    return candidates[0]
