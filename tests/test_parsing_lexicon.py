"""The heading lexicon: which heading announces which role, matched tolerantly in both languages."""

from __future__ import annotations

import pytest

from tracker.parsing import lexicon

ROLE_TABLE = [
    # assessment, English
    ("We’ll evaluate you based on your:", "assessment"),
    ("We'll evaluate you based on:", "assessment"),
    ("WE WILL EVALUATE YOU BASED ON", "assessment"),
    ("You will be assessed on", "assessment"),
    ("All candidates will be evaluated based on their experiences:", "assessment"),
    ("Applicants will be assessed against the following criteria", "assessment"),
    ("Assessment criteria", "assessment"),
    ("How we’ll assess you", "assessment"),
    ("How you’ll be assessed", "assessment"),
    ("We will be evaluating you on:", "assessment"),
    ("Statement of merit criteria", "assessment"),
    ("Assessment", "assessment"),
    ("Ce qui sera évalué :", "assessment"),
    # assessment, French (inclusive forms, &nbsp;, curly and straight apostrophes)
    ("Vous serez évalué en fonction de ce qui suit :", "assessment"),
    ("Vous serez évalué(e) en fonction de ce qui suit :", "assessment"),
    ("Vous serez évalué·e selon les critères suivants&nbsp;:", "assessment"),
    ("Tous les candidats et candidates seront évalués selon les critères suivants", "assessment"),
    ("Toutes les personnes candidates seront évaluées selon les critères suivants :", "assessment"),
    ("Critères d’évaluation", "assessment"),
    ("Nous vous évaluerons sur :", "assessment"),
    # qualifications, English
    ("What we’re looking for:", "qualifications"),
    ("What we're looking for", "qualifications"),
    ("What we look for", "qualifications"),
    ("You will have:", "qualifications"),
    ("You’ll fit right in if", "qualifications"),
    ("An excellent candidate will:", "qualifications"),
    ("An excellent candidate will be able to:", "qualifications"),
    ("A great candidate will demonstrate:", "qualifications"),
    ("The ideal candidate will have:", "qualifications"),
    ("You are an excellent candidate if you’re:", "qualifications"),
    ("We’re interested in people who:", "qualifications"),
    ("We’re looking for a person who:", "qualifications"),
    ("We’re looking for people that have experience with:", "qualifications"),
    ("We’re looking for dedicated Designers to join our team:", "qualifications"),
    ("Must Have", "qualifications"),
    ("Skills Required / Tech Stack", "qualifications"),
    ("Skills we’re looking for:", "qualifications"),
    ("The requirements for this role are to have:", "qualifications"),
    ("Mandatory requirements:", "qualifications"),
    ("Here are some of the specific skill sets we are seeking:", "qualifications"),
    ("You will be able to demonstrate the following essential capabilities:", "qualifications"),
    ("To be successful in this role, you will need:", "qualifications"),
    ("You’d be a great fit if", "qualifications"),
    ("What you bring", "qualifications"),
    ("Ce que vous apportez", "qualifications"),
    ("Pour réussir dans ce rôle, vous devez :", "qualifications"),
    # qualifications, French
    ("Ce que nous recherchons :", "qualifications"),
    ("Vous êtes un excellent candidat si", "qualifications"),
    ("Vous êtes un·e excellent·e candidat·e si :", "qualifications"),
    ("Ce poste est fait pour vous si :", "qualifications"),
    ("Vous serez à votre place si:", "qualifications"),
    ("Ce rôle vous convient parfaitement si :", "qualifications"),
    ("Vous êtes la bonne personne si :", "qualifications"),
    ("Vous avez le parfait profil que nous cherchons si :", "qualifications"),
    ("Pour être un excellent candidat, vous devez être en mesure de :", "qualifications"),
    ("Le candidat idéal ou la candidate idéale saura :", "qualifications"),
    ("Un(e) excellent(e) candidat(e) pourra :", "qualifications"),
    ("Pour occuper ce poste vous devez être en mesure :", "qualifications"),
    ("Nous cherchons un candidat ou une candidate qui sait :", "qualifications"),
    ("Vous êtes la personne qu’il nous faut si :", "qualifications"),
    ("Vous êtes :", "qualifications"),
    # assets
    ("Assets", "assets"),
    ("Asset qualifications:", "assets"),
    ("Nice to have", "assets"),
    ("Nice-to-haves", "assets"),
    ("Some additional knowledge or expertise that would be assets include:", "assets"),
    ("Bonus points", "assets"),
    ("Atouts", "assets"),
    ("Qualifications constituant un atout :", "assets"),
    # duties
    ("What you’ll be doing:", "duties"),
    ("What you’ll do", "duties"),
    ("In this role you will:", "duties"),
    ("In this role, you will have the opportunity to:", "duties"),
    ("You’ll need to accomplish the following things:", "duties"),
    ("The primary responsibilities of this role are to:", "duties"),
    ("Responsibilities", "duties"),
    ("Duties", "duties"),
    ("We are looking for someone who will:", "duties"),
    ("We’re looking for someone who will", "duties"),
    ("At CDS, you will be able to:", "duties"),
    ("You will:", "duties"),
    ("Dans le cadre de ce poste, vous devrez :", "duties"),
    ("Dans ce rôle, vous allez :", "duties"),
    ("Vos missions :", "duties"),
    ("Vous serez amené(e) à :", "duties"),
    ("Voici ce que vous devrez accomplir :", "duties"),
    ("Voici les principales responsabilités associées à ce poste :", "duties"),
    ("Nous sommes à la recherche d’une personne qui effectuera les tâches suivantes :", "duties"),
    ("Nous sommes à la recherche d’une personne pour les tâches suivantes :", "duties"),
    # ambiguous: resolved per posting by selection
    ("Nous sommes à la recherche d’une personne qui :", "seeking"),
    ("Nous recherchons une personne qui saura :", "seeking"),
    ("You will be able to:", "seeking"),
    ("You’ll be able to:", "seeking"),
    ("Le candidat ou la candidate est capable de :", "seeking"),
    ("Le ou la candidat(e) est capable de :", "seeking"),
    ("Nous recherchons quelqu’un qui saura :", "seeking"),
    ("Vous serez en mesure de :", "seeking"),
    # the same abilities with a quality word are qualifications (#15, class 4)
    ("Le candidat idéal est capable de :", "qualifications"),
    ("Le candidat ou la candidate idéale sera en mesure :", "qualifications"),
    ("An excellent candidate will be able to:", "qualifications"),
    # merit-criteria categories, as the whole heading (#15, class 2)
    ("Education & Experience", "qualifications"),
    ("Knowledge", "qualifications"),
    ("Skills and abilities:", "qualifications"),
    ("Attributes", "qualifications"),
    ("Personal suitability", "qualifications"),
    ("Études et expérience", "qualifications"),
    ("Qualités personnelles :", "qualifications"),
    ("Critères essentiels :", "qualifications"),
    ("Essential criteria:", "qualifications"),
    ("Must haves", "qualifications"),
    ("Knowledge, Skills and Abilities", "qualifications"),
    ("Education (essential)", "qualifications"),
    ("Essential:", "qualifications"),
    ("Essentiels :", "qualifications"),
    # asset cues in headings (#15, class 3)
    ("Asset/Bonus experience", "assets"),
    ("Asset criteria:", "assets"),
    ("Able to Learn", "assets"),
    ("Things you can learn on the job", "assets"),
    ("What would make you stand out", "assets"),
    ("Ideally, you’ll also have:", "assets"),
    ("Idéalement, vous avez aussi :", "assets"),
    ("Ce qui vous démarquera :", "assets"),
    ("Vous êtes une personne qui :", "qualifications"),
    ("Est-ce vous ?", "qualifications"),
    ("What we expect from you", "qualifications"),
    ("Nice to have:", "assets"),
    ("Priority will be given to candidates who:", "assets"),
    ("Critères constituant un atout :", "assets"),
    ("Ce qui serait un atout :", "assets"),
    ("La priorité sera accordée aux candidat·e·s qui :", "assets"),
    # French inclusive and spacing variants (#15, class 5)
    ("Un(e) excellent(e) candidat(e) pourra :", "qualifications"),
    ("Un.e excellent.e candidat.e pourra\u00a0:", "qualifications"),
    ("Un·e excellent·e candidat·e pourra :", "qualifications"),
    ("Vous êtes un excellent candidat ou une excellente candidate si :", "qualifications"),
    # certainly not criteria
    ("About your team", "other"),
    ("Interested?", "other"),
    ("Vous êtes intéressé?", "other"),
    ("Diversity & Inclusion", "other"),
    ("Assessment accommodation", "other"),
    ("General process information", "other"),
    ("What we offer", "other"),
    # nothing known
    ("Developers", None),
    ("Your experience at Northwind", None),
    ("Team Lead Position", None),
    ("", None),
]


@pytest.mark.parametrize(("heading", "role"), ROLE_TABLE)
def test_heading_announces_role(heading: str, role: str | None) -> None:
    assert lexicon.classify(heading) == role


@pytest.mark.parametrize(
    ("heading", "variant"),
    [
        ("We’ll evaluate you based on your:", "WE'LL EVALUATE YOU BASED ON YOUR"),
        ("We’ll evaluate you based on your:", "we‘ll evaluate you based on your :"),
        ("Vous serez évalué(e) en fonction de ce qui suit :", "vous serez evaluee en fonction de ce qui suit"),
        ("Vous serez évalué(e) en fonction de ce qui suit :", "Vous serez évalué·e en fonction de ce qui suit&nbsp;:"),
        ("Ce que nous recherchons :", "Ce que nous recherchons\u00a0:"),
        ("What we’re looking for", "**What we&#8217;re looking for**"),
    ],
)
def test_matching_ignores_case_apostrophes_colons_and_inclusive_forms(heading: str, variant: str) -> None:
    assert lexicon.classify(variant) == lexicon.classify(heading) is not None


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("We’ll evaluate you:", "we ll evaluate you"),
        ("Évalué·e·s", "evalue"),
        ("candidat(e)s", "candidats"),
        ("Un(e) excellent(e) candidat(e)", "un excellent candidat"),
        ("Un.e excellent.e candidat.e.s", "un excellent candidat"),
        ("conseiller/ère", "conseiller ere"),
        ("chargé-e de projet", "charge de projet"),
        ("Canada.Les e-mail peut-être", "canada les e mail peut etre"),
        ("Ce que nous recherchons&nbsp;:", "ce que nous recherchons"),
    ],
)
def test_normalize_folds_to_comparison_form(text: str, folded: str) -> None:
    assert lexicon.normalize(text) == folded


def test_long_lead_in_paragraph_is_classified_by_its_last_sentence() -> None:
    paragraph = (
        "We’re looking for a Policy Analyst for the autumn term. "
        "In this role, you will have the opportunity to contribute and learn by:"
    )
    assert lexicon.classify(paragraph) == "duties"


@pytest.mark.parametrize(
    ("item", "is_asset"),
    [
        ("Ability to draft correspondence in both official languages would be an asset.", True),
        ("Bilingualism (English and French) will be considered a strong asset.", True),
        ("Have an understanding of open source development a plus", True),
        ("Experience with a content management system (asset)", True),
        ("Le bilinguisme sera considéré comme un atout important.", True),
        ("La connaissance d’une troisième langue constitue un atout", True),
        ("Experience with IT asset management", False),
        ("Preference will be given to bilingual candidates", False),
        ("Priority will be given to candidates who write in both official languages", True),
        ("Even more priority will be given to candidates who can show work samples", True),
        ("La priorité sera accordée aux candidat·e·s bilingues", True),
        ("Une priorité encore plus grande sera accordée aux personnes bilingues", True),
        ("Une expérience de la fonction publique serait un atout.", True),
        ("Une expérience de la fonction publique constituerait un atout", True),
        ("Bonus: you have organised a meetup", True),
        ("Nice to have – experience with Go", True),
        ("Atout : expérience d’un ministère fédéral", True),
        ("Experience with Go (nice to have)", True),
        ("Experience with Go would be a bonus", True),
        ("Asset management experience", False),
        ("Asset-backed securities: two years", False),
        ("Able to learn new tools quickly", False),
        ("Experience with Go is preferred", True),
        ("La connaissance de Go est souhaitable", True),
        ("Une expérience en Go serait appréciée", True),
        ("[Asset] Experience with Go", True),
        ("Bonus if you have shipped a game", True),
        ("Used version control (preferably Git)", False),
        ("You’re (ideally) fluent in both official languages", False),
        ("Communicate in both French and English", False),
    ],
)
def test_item_that_calls_itself_an_asset_is_marked(item: str, is_asset: bool) -> None:
    assert lexicon.marks_asset(item) is is_asset


@pytest.mark.parametrize(
    ("item", "is_duty"),
    [
        ("You will deliver inclusion training", True),
        ("You’ll partner with the outreach team", True),
        ("Vous dirigerez l’équipe de conception", True),
        ("Vous allez animer des ateliers", True),
        ("You will be comfortable with ambiguity", False),
        ("You will have experience with Python", False),
        ("You’ll know how to write plainly", False),
        ("Vous serez à l’aise avec l’ambiguïté", False),
        ("Vous pourrez apprendre sur le tas", False),
        ("You work closely with people leaders", False),
    ],
)
def test_item_phrased_as_a_duty(item: str, is_duty: bool) -> None:
    assert lexicon.announces_duty(item) is is_duty
