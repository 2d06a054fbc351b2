"""The bilingual heading lexicon: which headings introduce the criteria a candidate is assessed on.

Headings are compared after ``normalize``: HTML entities decoded, inclusive French forms removed
(évalué(e), évalué·e, candidat·e·s, candidat.e, chargé-e), accents and case dropped, every apostrophe (’ or ') and other
punctuation turned into a space, so "We’ll evaluate you based on your:" and "we'll evaluate you based
on your" both read ``we ll evaluate you based on your``. Patterns are phrases searched anywhere in
that string, so extra words around them do not matter.

Roles (docs/parsing.md explains each with examples):

- ``assessment``: the posting says outright what candidates are assessed on.
- ``qualifications``: what the ideal candidate has or is.
- ``assets``: nice-to-have qualifications.
- ``duties``: what the person will do in the job.
- ``seeking`` (internal): "we are looking for a person who" / "you will be able to" / "le candidat
  ou la candidate est capable de" headings (ability wording without a quality word such as
  "excellent" or "idéal"), used by the same postings for qualifications in one file and duties in the
  next; ``selection`` resolves it.
- ``other`` (internal): headings that are certainly not criteria (about us, diversity, how to apply);
  they stop a criteria heading from claiming the lists that follow it.

When several patterns match, assessment wins, then assets; among the others the longest matching
phrase wins (so "we're looking for someone who will" is duties although "we're looking for" alone is
qualifications); ``other`` applies only when nothing else matches.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

ASSESSMENT = "assessment"
QUALIFICATIONS = "qualifications"
ASSETS = "assets"
DUTIES = "duties"
SEEKING = "seeking"
OTHER = "other"

# Inclusive French forms: évalué(e), candidat(e)s, un(e), chef·fe, concepteur·rice, candidat·e·s.
_INCLUSIVE_PARENS = re.compile(r"\((?:e|es|s|ne|nes|le|les|se|ses|euse|euses|rice|rices|trice|trices|ice|fe|x)\)", re.I)
_INCLUSIVE_DOT = re.compile(r"[·⋅•∙](?:[^\W\d_]{1,6})?")
# The same endings written with a period, hyphen or slash (candidat.e.s, excellent-e, candidat/e): only
# the known endings, only right after a lower-case letter, so "Canada.Les" and "e-mail" are left alone.
_INCLUSIVE_MARK = re.compile(
    r"(?<=[a-zàâçéèêëîïôûùüÿœ])[./-](?:e|es|s|ne|nes|le|les|se|ses|euse|euses|rice|rices|trice|trices|fe)"
    r"(?![^\W\d_])"
)
_NON_WORD = re.compile(r"[^0-9a-z]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)")

# Merit-criteria category headings, alone or joined ("Education & Experience", "Skills and abilities",
# "Formation et expérience"): only as the whole heading, so "Your experience at NDS" is not one.
_CATEGORY_WORD = (
    r"(?:(?:professional|technical|personal|work|relevant|essential|required|key|core|general|specific"
    r"|professionnelles?|techniques?|personnelles?|essentielles?|requises?|pertinentes?) )?"
    r"(?:education|experience|experiences|knowledge|skills?|abilities|ability|attributes|suitability|competencies"
    r"|qualities|credentials|certifications?"
    r"|formation|etudes|scolarite|connaissances?|competences|capacites|aptitudes|qualites|attributs|savoir etre)"
    r"(?: (?:professionnelles?|techniques?|personnelles?|essentielles?|requises?|pertinentes?|obligatoires?"
    r"|essential|required|mandatory))?"
)
_CATEGORY = rf"^{_CATEGORY_WORD}(?:(?: and| et| ou| or)? {_CATEGORY_WORD})*$"

_WHO = r"(?:someone|somebody|a person|people|persons|an individual|individuals|a candidate|candidates)"
_FR_SEEK = r"(?:a la recherche d |recherchons |cherchons )(?:une |un |d une )?(?:personne|quelqu un)"
# "Le candidat (ou la candidate)", "Le ou la candidat(e)" without a quality word (idéal, excellent).
_FR_PLAIN_CANDIDATE = r"(?:le |la |le ou la |la ou le )candidate?s?(?: ou (?:la|une) candidate)?"

_PATTERNS: dict[str, tuple[str, ...]] = {
    ASSESSMENT: (
        # English
        r"(?:we ll|we will|we are going to|we re going to|we) (?:evaluate|assess|rate|score|screen|measure)"
        r" (?:you|your|candidates|applicants|applications)",
        r"(?:you|candidates?|applicants?|applications?)(?: will| ll| shall| may| can expect to| are going to)?"
        r" be (?:evaluated|assessed|rated|scored|screened|judged)",
        r"(?:evaluated|assessed|evaluate you|assess you|rated|scored) (?:based on|on|against|according to|using)",
        r"(?:evaluation|assessment|selection|merit|screening) criteria",
        r"criteria (?:for|used for|of) (?:evaluation|assessment|selection)",
        r"how (?:we ll |we will |we )?(?:evaluate|assess)",
        r"what (?:we ll|we will) (?:evaluate|assess)",
        r"(?:assessment|evaluation) (?:will be based|will focus|is based|focuses|will look)",
        r"(?:we ll|we will|we re going to|we are going to) be (?:evaluating|assessing|rating|scoring) (?:you|your|candidates)",
        r"^(?:assessment|evaluation|assessment criteria|criteria)$",
        # French (accents and inclusive endings already removed)
        r"(?:vous|candidats|candidates|candidatures)(?: serez| seront| allez etre| pourrez etre| pourront etre)"
        r" (?:evalues?|evaluees?|juges?|jugees?|notes?|notees?)",
        r"(?:evalues?|evaluees?|evaluation) (?:en fonction|selon|sur la base|a partir|d apres)",
        r"(?:nous|on) (?:vous )?(?:evaluerons|evaluera|allons evaluer|evaluons)",
        r"criteres (?:d evaluation|de selection|de merite|d appreciation)",
        r"(?:l )?evaluation (?:portera|sera fondee|se fera|reposera)",
        r"ce (?:qui|que nous) (?:sera|seront|allons|evaluerons) (?:evalue|evaluer|evalues)?",
        r"^(?:evaluation|criteres)$",
    ),
    ASSETS: (
        r"assets?",
        r"nice to haves?",
        r"good to haves?",
        r"bonus(?: points)?",
        r"(?:would be|is|are|a) (?:a )?plus",
        r"preferred(?: qualifications| skills| experience)?",
        r"desirable(?: qualifications| skills| experience)?",
        r"(?:even )?better if",
        r"extra (?:credit|points?)",
        r"it would be (?:great|nice) if",
        r"atouts?",
        r"un plus",
        r"souhaitee?s?",
        r"souhaitables?",
        # "Priority will be given to candidates who…" ranks, it does not screen out: an asset.
        r"priority(?: [a-z]+){0,3}? (?:will|may|could|shall|would) be given",
        r"(?:la )?priorite(?: [a-z]+){0,3}? (?:sera|pourra etre|pourrait etre|peut etre|est) (?:accordee|donnee)",
        # "Able to learn" (Terraform, Django): things the person may pick up on the job.
        r"^(?:things )?(?:you are |you re |you ll be |you will be )?able to learn",
        r"(?:can|could) (?:be )?learn(?:ed|t)? on the job",
        r"we (?:can|will|ll) teach you",
        r"^a apprendre",
        # "What would make you stand out", "Ce qui vous démarquera": more than the minimum.
        r"(?:ideally|idealement)(?: you| vous)?(?: [a-z]+)? (?:also|aussi|egalement)",
        r"(?:make|makes|help|helps) you stand out|(?:would|will|could) set you apart|brownie points",
        r"ce qui (?:vous )?(?:demarquera|distinguera|ferait la difference|fera la difference)",
        r"(?:peut|pourra|pourrez) (?:etre )?(?:apprendre|appris) (?:en cours d emploi|au travail|sur le tas)",
    ),
    QUALIFICATIONS: (
        # English
        r"(?:what|who) (?:we re|we are|we ll be|we will be) looking for",
        r"(?:skills|qualities|qualifications|experience|people) (?:we re|we are) looking for",
        r"(?:we re|we are) looking for",
        r"(?:what|who) we (?:look for|seek|want|need)",
        r"(?:we re|we are) seeking",
        r"looking for " + _WHO + r" (?:who|that|with)",
        r"(?:we re|we are) interested in (?:people|someone|candidates|individuals|hearing from)",
        r"(?:you ll|you will|you d|you would)? ?fit right in",
        r"(?:excellent|great|ideal|successful|strong|perfect|right|qualified|good) (?:candidate|applicant)s?",
        r"(?:candidates?|applicants?) (?:will|should|must|need to|are expected to) (?:have|be|demonstrate|possess|bring|show)",
        r"(?:you re|you are|you might be|you may be|you d be|you would be|you ll be|you will be)"
        r" (?:an? )?(?:excellent|great|ideal|good|strong|perfect) (?:candidate|fit|match)",
        r"you (?:will|ll) (?:need(?: to have)?|have|bring)",
        r"(?:to be|be) successful(?: in (?:this|the|your) (?:role|position|job))?(?: you (?:will|ll) need)?",
        r"to succeed(?: in (?:this|the|your) (?:role|position|job))?(?: you (?:will|ll) need)?",
        r"is this you",
        r"hear from you if",
        r"this (?:role|job|position) (?:is|might be|could be) (?:for you|right for you|a fit)",
        r"must haves?",
        r"(?:minimum |basic |mandatory |essential |key )?(?:requirements?|qualifications|competenc(?:y|ies))",
        r"required(?: skills| qualifications| experience)?",
        r"(?:skills|experience) required",
        r"essential (?:capabilities|criteria|skills|experience|abilities)",
        r"(?:key |core |required |technical )?skills?(?: and experience| and qualifications| we re looking for)?",
        r"skill ?sets?",
        r"what you (?:ll |will )?(?:need|bring|have)",
        r"(?:about you|who you are|you have|you bring|you should have|you are)",
        r"knowledge(?: skills)? and (?:skills|experience|abilities)",
        _CATEGORY,
        r"^(?:essential|mandatory|essentiels?|essentielles?)$",
        # French
        r"ce que nous (?:re)?cherchons",
        r"qui nous (?:re)?cherchons",
        r"(?:nous )?(?:sommes a la recherche|recherchons|cherchons)",
        r"candidat(?:e|s|es)? ideale?s?",
        r"(?:excellente?|bonne?|meilleure?|parfaite?) (?:candidat|candidate|profil)",
        r"(?:le|la|un|une) candidate?(?: ideale?)?(?: ou (?:la|une) candidate(?: ideale)?)?"
        r" (?:pourra|saura|sera|est|devra|doit|possede|aura|peut)",
        r"(?:a votre place|la bonne personne|la personne ideale|le parfait profil|profil (?:recherche|ideal)|votre profil)",
        r"ce (?:poste|role) (?:est fait pour vous|vous convient)",
        r"fait pour vous",
        r"vous convient",
        r"pour (?:etre|devenir) (?:un |une )?(?:excellente?|bonne?) (?:candidat|candidate)",
        r"pour occuper ce poste",
        r"vous devez (?:etre|avoir|posseder|detenir|demontrer)",
        r"exigences(?: du poste)?",
        r"(?:qualifications|competences|aptitudes|qualites)(?: requises| recherchees| essentielles| et experience)?",
        r"capacites essentielles",
        r"criteres (?:essentiels|obligatoires|requis)",
        r"(?:la personne|le candidat|la candidate) (?:retenue?|selectionnee?|choisie?)",
        r"(?:vous avez|vous possedez|a propos de vous|qui etes vous)",
        r"ce que vous (?:apportez|apporterez|offrez)",
        r"qu il (?:nous |vous )?faut",
        r"faite? pour ce (?:poste|role)",
        r"^vous etes$",
        r"vous etes (?:une personne|quelqu un|un candidat|une candidate)",
        r"(?:est ce|serait ce|c est) (?:bien )?vous",
        r"(?:what|ce que) (?:we expect|nous attendons) (?:from|of|de) (?:you|vous)",
        r"pour reussir",
        r"(?:requis|requises|obligatoires?)",
    ),
    SEEKING: (
        r"you (?:will|ll) be able to",
        r"^(?:the )?candidates? (?:will be able to|is able to|are able to)",
        _FR_PLAIN_CANDIDATE + r" (?:est|sont|sera|seront) (?:capables?|en mesure)(?: de| d)?",
        r"vous (?:serez|etes) (?:capables?|en mesure)(?: de| d)?$",
        r"vous pourrez$",
        _FR_SEEK + r" (?:qui(?: sait| saura| peut| pourra| possede| a)?|capable|en mesure)",
    ),
    DUTIES: (
        # English
        r"looking for " + _WHO + r" (?:who|that) (?:will|ll|can help|would)",
        r"what you (?:ll |will )?(?:be )?(?:do|doing|work on|achieve)",
        r"what (?:the|this) (?:job|role|position) (?:involves|entails|looks like)",
        r"(?:day to day|a day in the life|your day)",
        r"in (?:this|the) (?:role|position|job)(?: you (?:will|ll))?",
        r"as (?:a|an|the|our) (?:[a-z]+ ){1,6}you (?:will|ll)",
        r"you (?:will|ll)(?: need to)? (?:accomplish|be responsible|be doing|work on|be working|get to|have the opportunity)",
        r"accomplish the following",
        r"you (?:will|ll)",
        r"(?:key |main |primary |your |the |core )?(?:responsibilit(?:y|ies)|duties|tasks|accountabilities)",
        r"responsible for",
        r"(?:the |your )?(?:role|position|job) (?:involves|includes|entails)",
        r"(?:about the|your|the) (?:role|mission|impact|job)",
        r"at cds you (?:will|ll) be able to",
        r"opportunity to",
        # French
        _FR_SEEK
        + r" (?:qui (?:effectuera|accomplira|realisera|assumera|fera)|pour (?:les taches|effectuer|accomplir|realiser))",
        r"dans le cadre (?:de ce|du|de votre) (?:poste|role)",
        r"dans (?:ce|le) (?:poste|role)",
        r"a ce (?:poste|titre)",
        r"vous (?:devrez|allez|aurez a|serez appelee?|serez amenee?|serez chargee?|serez responsable|aurez l occasion"
        r"|aurez la chance)",
        r"vos (?:missions|taches|responsabilites|fonctions|mandats|defis)",
        r"(?:principales )?(?:responsabilites|taches|fonctions)(?: principales| suivantes)?",
        r"ce que vous (?:ferez|allez faire|devrez accomplir|devrez faire|accomplirez)",
        r"voici ce que vous",
        r"au snc vous (?:pourrez|serez en mesure)",
        r"(?:description|nature) (?:du poste|des taches|du role)",
        r"(?:le|votre) role",
        r"en quoi consiste",
    ),
    OTHER: (
        r"about(?: us| cds| the team| your team| the canadian digital service| the)?",
        r"a propos",
        r"(?:benefits|perks|avantages|salary|salaire|compensation|remuneration)",
        r"(?:what )?we offer|ce que nous (?:offrons|vous offrons)|nous offrons",
        r"(?:diversity|diversite|inclusion|equity|equite)",
        r"(?:interested|interesse|interessee|how to apply|postuler|apply|contact|contactez)",
        r"(?:other|general|additional)(?: process)? information",
        r"(?:autres?|generales?) informations?|informations? (?:generales?|supplementaires)",
        r"(?:summary|sommaire|resume)",
        r"work (?:from )?anywhere|travaillez de partout",
        r"(?:vaccination|covid)",
        r"(?:accommodation|mesures d adaptation)",
        r"(?:why join|pourquoi)",
        r"(?:our|nos) (?:values|valeurs|team|equipe)",
        r"(?:at cds we|au snc nous)",
    ),
}


@dataclass(frozen=True)
class _Compiled:
    role: str
    regex: re.Pattern[str]


_LENGTH_ROLES = (QUALIFICATIONS, DUTIES, SEEKING)  # compared by the length of their longest matching phrase
_COMPILED: tuple[_Compiled, ...] = tuple(
    _Compiled(role, re.compile(rf"\b(?:{pattern})\b"))
    for role, patterns in _PATTERNS.items()
    if role in _LENGTH_ROLES
    for pattern in patterns
)
# Decisive roles and ``other`` only need to know whether any phrase matches: one alternation each.
_ANY: dict[str, re.Pattern[str]] = {
    role: re.compile("|".join(rf"\b(?:{pattern})\b" for pattern in _PATTERNS[role]))
    for role in (ASSESSMENT, ASSETS, OTHER)
}

# Explicit "this one is an asset" wording inside an item of an essential list (on the folded text).
_INLINE_ASSET = (
    re.compile(
        r"\b(?:would be|would also be|is|are|will be|be considered|considered|considere|consideree|consideres"
        r"|serait|seraient|est|sont|constitue|constituent|constituerait|constitueraient|sera|seront|represente"
        r"|representerait)"
        r" (?:comme |as )?(?:an? |un |une |des )?(?:[a-z]+ )?(?:asset|assets|atout|atouts|plus|bonus)\b"
    ),
    re.compile(r"(?:^|\s)(?:a plus|un plus|nice to have|an asset|un atout|a bonus)\s*$"),
    re.compile(r"^(?:bonus|extra points?) (?:if|for)\b"),
    re.compile(r"\b(?:would be|is|are|will be) (?:highly |strongly )?(?:desirable|preferred)\b"),
    re.compile(r"\b(?:est|serait|sont|seraient|sera|seront) (?:tres |fortement )?(?:souhaitables?|appreciee?s?)\b"),
    # "Priority will be given to candidates who…", "La priorité sera accordée aux candidat·e·s qui…" (not
    # "Preference will be given to Canadian citizens": the statutory preference is not a criterion).
    re.compile(r"\bpriority(?: [a-z]+){0,3}? (?:will|may|could|shall|would) be given\b"),
    re.compile(r"\bpriorite(?: [a-z]+){0,3}? (?:sera|pourra etre|pourrait etre|peut etre|est) (?:accordee|donnee)\b"),
)
# An item labelled as an asset at its start ("Bonus: …", "Nice to have – …", "Atout : …") or in
# parentheses anywhere ("(asset)", "(bonus)", "(un atout)"); read on the raw text, since the label needs
# its colon or dash (so "Asset management experience" stays essential).
_INLINE_ASSET_ANY = re.compile("|".join(f"(?:{pattern.pattern})" for pattern in _INLINE_ASSET))
_ASSET_LABEL = re.compile(
    r"^\W*(?:an? |un )?(?:assets?|bonus|nice[ -]to[ -]haves?|a plus|atouts?|un plus)\s*(?:[:：]|\s[–—-]\s)", re.I
)
_ASSET_IN_PARENS = re.compile(
    r"[(\[]\s*(?:an? |un )?(?:assets?|atouts?|bonus|nice[ -]to[ -]have|a plus|un plus)\s*[)\]]", re.I
)


def normalize(text: str) -> str:
    """Fold a heading to the comparison form described in the module docstring."""
    folded = unicodedata.normalize("NFKC", html.unescape(text))
    folded = _INCLUSIVE_PARENS.sub("", folded)
    folded = _INCLUSIVE_DOT.sub("", folded)
    folded = _INCLUSIVE_MARK.sub("", _INCLUSIVE_MARK.sub("", folded))
    folded = unicodedata.normalize("NFKD", folded.casefold())
    if not folded.isascii():
        folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", folded).strip()


# Words that make a heading a sentence about people ("What we're looking for", "An excellent candidate
# will") rather than a label for a sub-list ("Essential criteria", "Education & Experience", "Must haves").
_SENTENCE_WORDS = frozenset(
    (  # noqa: SIM905 - a word list reads better as one string
        "we us our ours you your yours they their it if who will ll re ve d candidate candidates applicant"
        " applicants person people someone nous notre nos vous votre vos qui si candidat candidats personne"
        " on ils elles"
    ).split()
)
LABEL_MAX_WORDS = 6


def is_label(heading: str) -> bool:
    """True for a short noun-phrase heading that names a sub-list rather than addressing the reader."""
    words = normalize(heading).split()
    return 0 < len(words) <= LABEL_MAX_WORDS and _SENTENCE_WORDS.isdisjoint(words)


# A sentence heading that names a kind of criterion ("Candidates must meet the following essential
# criteria:", "Il serait un atout de posséder :") is still a sub-list of the criteria heading above it.
_KIND_WORDS = re.compile(
    r"\b(?:essentials?|assets?|required|mandatory|criteria|criterion|nice to haves?|bonus"
    r"|criteres?|essentiel(?:le)?s?|atouts?|obligatoires?|requis(?:es)?)\b"
)


def is_sub_list(heading: str) -> bool:
    """True for a heading that names a sub-list (a label, or a sentence naming a kind of criterion)."""
    return is_label(heading) or _KIND_WORDS.search(normalize(heading)) is not None


# An item phrased as a duty: "You will deliver…", "You'll partner with…", "Vous dirigerez…", "Vous allez…";
# not "You will be / have / bring" or "Vous serez / aurez / saurez / pourrez", which describe the person.
_DUTY_ITEM = re.compile(
    r"^(?:you will|you ll) (?!(?:be|have|bring|need|enjoy|thrive|possess|demonstrate|understand|know|hold|care|love|like|want|share|fit)\b)[a-z]"
    r"|^vous (?:allez|devrez|(?!serez|aurez|saurez|pourrez)[a-z]+(?:erez|irez|drez))\b"
)


def announces_duty(item_text: str) -> bool:
    """True when a list item says what the person will do rather than what they are or have."""
    return bool(_DUTY_ITEM.match(normalize(item_text)))


_CANDIDATE_WORD = re.compile(r"\b(?:candidate?s?|applicants?)\b")


def names_candidate(heading: str) -> bool:
    """True when a heading speaks of "the candidate" rather than of the job or "a person who"."""
    return _CANDIDATE_WORD.search(normalize(heading)) is not None


def last_sentence(text: str) -> str:
    """The sentence that introduces a list: 'We are hiring X. In this role you will:' -> the second."""
    parts = [part for part in _SENTENCE_END.split(text.strip()) if part.strip()]
    return parts[-1] if parts else text


def classify(heading: str) -> str | None:
    """The role a heading announces (including the internal ``seeking`` and ``other``), or None."""
    folded = normalize(last_sentence(heading))
    if not folded:
        return None
    for decisive in (ASSESSMENT, ASSETS):
        if _ANY[decisive].search(folded):
            return decisive
    best: dict[str, int] = {}
    for compiled in _COMPILED:
        for match in compiled.regex.finditer(folded):
            length = match.end() - match.start()
            if length > best.get(compiled.role, -1):
                best[compiled.role] = length
    if not best:
        return OTHER if _ANY[OTHER].search(folded) else None
    # Longest phrase wins; on a tie the order below decides (qualifications are the safer guess).
    return max(best, key=lambda role: (best[role], -_LENGTH_ROLES.index(role)))


def marks_asset(item_text: str) -> bool:
    """True when an item of an essential list says itself that it is only an asset ("... would be an asset")."""
    if _ASSET_IN_PARENS.search(item_text) or _ASSET_LABEL.match(item_text):
        return True
    return _INLINE_ASSET_ANY.search(normalize(item_text)) is not None
