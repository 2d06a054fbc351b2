"""Service refusals reach the user in the session's language (issue #4 §3), and stay English elsewhere.

Services raise errors that keep their catalog msgid and parameters (``tracker.i18n.message``); the
dashboard translates them (``app_pages.frame.data.error_markdown``, used by ``service_call``), while
``str()`` — the CLI and the logs — stays the English sentence.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from factories import World, actor_of, build_world
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

from app_pages.frame.data import error_markdown, message_text
from app_pages.frame.render import escape_markdown
from tracker.db import write_session
from tracker.i18n import N_
from tracker.i18n.message import Join, Message, Number
from tracker.services import (
    SYSTEM_ACTOR,
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    TrackerError,
    ValidationError,
    accounts,
    candidates,
    panels,
    scoring,
)

pytest_plugins = ["app_helpers"]  # the app_db fixture

PROJECT_ROOT = Path(__file__).resolve().parents[1]
NNBSP = "\u202f"  # the narrow no-break space Babel's French locale groups thousands with
NBSP = "\u00a0"


def _raise(engine: Engine, call: Callable[[Any], object]) -> TrackerError:
    with pytest.raises(TrackerError) as info, write_session(engine) as session:
        call(session)
    return info.value


# (id, error class, the service call, English str(), French text shown, or a list of French problems)
CASES: list[tuple[str, type[TrackerError], Callable[[World], Callable[[Any], object]], str, str | list[str]]] = [
    (
        "permission-denied",
        PermissionDeniedError,
        lambda w: lambda s: accounts.create_user(
            s, w.actor("manager"), email="new.person@northwind.example", display_name="New Person", role="interviewer"
        ),
        "Only an administrator can do this; you are signed in as a hiring manager.",
        "Cette action est réservée à une personne administratrice; votre compte est celui d'une personne "
        "gestionnaire d'embauche.",
    ),
    (
        "not-found",
        NotFoundError,
        lambda w: lambda s: candidates.get_candidate(s, w.actor("manager"), candidate_id=424242),
        "Candidate 424242 does not exist; their information may have been deleted.",
        "La candidature 424242 n'existe pas; ses renseignements ont peut-être été supprimés.",
    ),
    (
        "conflict",
        ConflictError,
        lambda w: lambda s: candidates.update_candidate(
            s, w.actor("manager"), candidate_id=w.candidates[0].id, expected_version=41, name="Ana Lima"
        ),
        "Someone else changed this candidate after you opened it (your copy is version 41); reload to see their "
        "change, then make yours again.",
        "Quelqu'un d'autre a modifié cette candidature pendant que vous y travailliez (votre copie est la version "
        "41); rechargez la page pour voir ce changement, puis refaites le vôtre.",
    ),
    (
        "validation-nested-field-and-number",
        ValidationError,
        lambda w: lambda s: scoring.save_draft_score(
            s, w.actor("chair"), scorecard_id=1, criterion_id=1, rating=None, notes="x" * 10_001
        ),
        "The evidence notes is 10,001 characters long; shorten it to 10,000 at most.",
        f"Le champ «{NBSP}notes d'observation{NBSP}» compte 10{NNBSP}001 caractères; réduisez-le à "
        f"10{NNBSP}000 caractères au plus.",
    ),
    (
        "validation-several-problems",
        ValidationError,
        lambda w: lambda s: panels.set_panel(s, w.actor("manager"), posting_id=w.posting.id, member_ids=[], chair_id=0),
        "A panel needs at least one member. The chair must be one of the panel members.",
        ["Un comité doit compter au moins un membre.", "La présidence doit être assurée par un membre du comité."],
    ),
    (
        "authentication",
        AuthenticationError,
        lambda w: lambda s: accounts.authenticate(s, email="nobody@northwind.example", password="wrong password"),
        "Sign-in failed: the e-mail or the password is wrong, or the account is locked after too many attempts "
        "(wait 15 minutes) or deactivated (ask an administrator).",
        "Échec de la connexion\u00a0: le courriel ou le mot de passe est erroné, ou le compte est verrouillé après trop "
        "de tentatives (attendez 15 minutes) ou désactivé (adressez-vous à l'administration).",
    ),
]


@pytest.mark.parametrize(("case", "error_type", "call", "english", "french"), CASES, ids=[c[0] for c in CASES])
def test_each_error_class_from_a_service_is_shown_in_french_and_stays_english_for_the_cli(
    sqlite_engine: Engine,
    case: str,
    error_type: type[TrackerError],
    call: Callable[[World], Callable[[Any], object]],
    english: str,
    french: str | list[str],
) -> None:
    world = build_world(sqlite_engine)
    exc = _raise(sqlite_engine, call(world))
    assert type(exc) is error_type
    assert str(exc) == english
    if isinstance(french, list):
        assert error_markdown(exc, "fr") == "\n".join(f"- {escape_markdown(p)}" for p in french)
    else:
        assert error_markdown(exc, "fr") == escape_markdown(french)
    # English sessions see exactly what the CLI prints.
    expected_en = (
        "\n".join(f"- {escape_markdown(str(p))}" for p in exc.problems) if isinstance(french, list) else escape_markdown(english)
    )
    assert error_markdown(exc, "en") == expected_en


def test_untrusted_parameters_are_escaped_inside_the_translated_sentence(sqlite_engine: Engine) -> None:
    world = build_world(sqlite_engine)
    exc = _raise(
        sqlite_engine,
        lambda s: candidates.add_candidate(
            s, world.actor("manager"), posting_id=world.posting.id, name="=<b>boss</b>", email="ok@northwind.example"
        ),
    )
    shown = error_markdown(exc, "fr")
    assert shown.startswith(escape_markdown(f"Le nom «{NBSP}=<b>boss</b>{NBSP}» commence par «{NBSP}={NBSP}»"))
    assert "<b>" not in shown and "\\<b\\>boss\\</b\\>" in shown


def test_a_page_message_for_the_error_class_still_wins(sqlite_engine: Engine) -> None:
    world = build_world(sqlite_engine)
    exc = _raise(sqlite_engine, lambda s: candidates.get_candidate(s, world.actor("manager"), candidate_id=424242))
    assert error_markdown(exc, "fr", {NotFoundError: "Candidature introuvable."}) == escape_markdown("Candidature introuvable.")
    assert error_markdown(exc, "fr", {ConflictError: "Autre chose."}) != escape_markdown("Autre chose.")


def test_csv_problems_keep_their_line_and_translate(sqlite_engine: Engine) -> None:
    world = build_world(sqlite_engine)
    data = b"name,email\nAna Lima,not-an-email\n"
    exc = _raise(
        sqlite_engine, lambda s: candidates.import_candidates_csv(s, world.actor("manager"), posting_id=world.posting.id, data=data)
    )
    assert exc.problems == ["Line 2: “not-an-email” is not an e-mail address; write it as name@example.ca."]
    assert message_text(exc.problems[0], "fr") == (
        f"Ligne 2{NBSP}: «{NBSP}not-an-email{NBSP}» n'est pas une adresse courriel; écrivez-la sous la forme nom@exemple.ca."
    )
    assert str(exc).startswith("Nothing was imported; problems in the file: 1. Line 2: ")
    assert message_text(exc.message, "fr").startswith("Rien n'a été importé; problèmes dans le fichier\u00a0: 1. Ligne 2\u00a0: ")


def test_posting_import_errors_carry_translatable_parser_messages(sqlite_engine: Engine) -> None:
    from tracker.services import postings

    world = build_world(sqlite_engine)
    report = postings.import_postings(sqlite_engine, actor_of(world.manager), files=[("empty-en.md", b"   \n")])
    [item] = report.items
    assert item.action == "error"
    assert item.error == "empty-en.md is empty; a posting needs front matter and a Markdown body."
    assert message_text(item.error, "fr") == (
        "empty-en.md est vide; une offre d'emploi a besoin d'un en-tête YAML (front matter) et d'un corps en Markdown."
    )


# --- the message object itself ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "english", "french"),
    [
        (Message(N_("User {user_id} does not exist."), user_id=7), "User 7 does not exist.", "Le compte 7 n'existe pas."),
        (
            Message(N_("A rubric holds at most {limit} criteria (you gave {count})."), limit=200, count=Number(1234)),
            "A rubric holds at most 200 criteria (you gave 1,234).",
            f"Une grille de critères compte au plus 200 critères (vous en avez donné 1{NNBSP}234).",
        ),
        (
            Message(N_("Role must be one of {roles}."), roles=Join.of(["admin", "manager"])),
            "Role must be one of admin, manager.",
            "Le rôle doit être l'une des valeurs suivantes\u00a0: admin, manager.",
        ),
        (
            Message(N_("{first} or {second}"), first=Message(N_("an administrator")), second=Message(N_("a hiring manager"))),
            "an administrator or a hiring manager",
            "une personne administratrice ou une personne gestionnaire d'embauche",
        ),
        # Not in the catalog: the English sentence, never an empty message.
        (Message("Nobody wrote {thing} down.", thing="this"), "Nobody wrote this down.", "Nobody wrote this down."),
    ],
)
def test_message_is_its_english_sentence_and_translates_later(message: Message, english: str, french: str) -> None:
    assert message == english and str(message) == english
    assert message.translate("fr") == french
    assert message.translate("en") == english


def test_a_translation_with_broken_placeholders_falls_back_to_the_filled_msgid(monkeypatch: pytest.MonkeyPatch) -> None:
    import tracker.i18n.message as module

    class Broken:
        def gettext(self, msgid: str) -> str:
            return "Le compte {wrong} n'existe pas."

    monkeypatch.setattr(module, "translations", lambda lang: Broken())
    assert Message(N_("User {user_id} does not exist."), user_id=7).translate("fr") == "User 7 does not exist."


def test_errors_survive_pickling_with_their_msgid() -> None:
    import pickle

    exc = pickle.loads(pickle.dumps(NotFoundError(N_("User {user_id} does not exist."), user_id=7)))
    assert str(exc) == "User 7 does not exist." and exc.msgid == "User {user_id} does not exist." and exc.params == {"user_id": 7}


# --- every raise site is translatable --------------------------------------------------------------

_MESSAGE_FIRST = {
    "TrackerError", "PermissionDeniedError", "NotFoundError", "ConflictError", "ValidationError",
    "AuthenticationError", "Message",
}  # fmt: skip
_MESSAGE_SECOND = {"PostingError", "RowError"}


def _untranslatable_messages(tree: ast.AST) -> list[int]:
    """Lines where an error or message is built from an f-string, a bare literal or a concatenation."""
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        position = 0 if name in _MESSAGE_FIRST else 1 if name in _MESSAGE_SECOND else 5 if name == "bump_version" else None
        args = [node.args[position]] if position is not None and len(node.args) > position else []
        # clean_text(..., what=N_("evidence notes")): the field's name is translated inside the sentence.
        args += [k.value for k in node.keywords if name in ("clean_text", "bump_version") and k.arg == "what"]
        for arg in args:
            # A literal made of placeholders only ("{problems}") has no words to translate.
            wordy = isinstance(arg, ast.Constant) and isinstance(arg.value, str) and re.sub(r"\{\w+\}", "", arg.value).strip()
            if isinstance(arg, ast.JoinedStr | ast.BinOp) or wordy:
                lines.append(node.lineno)
    return lines


@pytest.mark.parametrize("folder", ["tracker/services", "tracker/parsing"])
def test_every_service_and_parser_message_is_a_marked_template(folder: str) -> None:
    offenders = [
        f"{path.relative_to(PROJECT_ROOT)}:{line}"
        for path in sorted((PROJECT_ROOT / folder).rglob("*.py"))
        for line in _untranslatable_messages(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert not offenders, 'Write N_("… {name} …") with name=… instead of an f-string: ' + ", ".join(offenders)


def test_the_check_catches_an_f_string_message() -> None:
    tree = ast.parse(
        'raise NotFoundError(f"User {user_id} does not exist.")\n'
        'raise NotFoundError(N_("Fine {x}."), x=1)\n'
        'raise ValidationError("Plain words.")\n'
        'Message("{problems}", problems=p)\n'
        'RowError(1, "Line " + str(n))\n'
        'clean_text(v, what="evidence notes", max_length=9)\n'
        'clean_text(v, what=N_("evidence notes"), max_length=9)\n'
        'bump_version(s, Rubric, 1, 2, {}, "rubric")\n'
    )
    assert _untranslatable_messages(tree) == [1, 3, 5, 6, 8]


# --- through the dashboard -------------------------------------------------------------------------


def _french_service_calls_app() -> None:
    import streamlit as st

    from app_pages import frame
    from tracker.services import SYSTEM_ACTOR, accounts, candidates

    st.session_state["results"] = [
        frame.service_call(candidates.get_candidate, SYSTEM_ACTOR, candidate_id=424242),
        frame.service_call(
            accounts.create_user, SYSTEM_ACTOR, email="new.person@northwind.example", display_name=" ", role="boss",
            password="short", write=True,
        ),
    ]


def test_service_call_shows_a_services_refusal_in_the_sessions_language(app_db: str) -> None:
    from app_pages.frame.lang import LANG_KEY

    assert SYSTEM_ACTOR.is_admin
    at = AppTest.from_function(_french_service_calls_app, default_timeout=30)
    at.session_state[LANG_KEY] = "fr"
    at.run()
    assert not at.exception
    assert at.session_state["results"] == [None, None]
    assert [e.value for e in at.error] == [
        escape_markdown("La candidature 424242 n'existe pas; ses renseignements ont peut-être été supprimés."),
        "\n".join(
            f"- {escape_markdown(p)}"
            for p in (
                "Donnez un nom à l'utilisateur ou à l'utilisatrice.",
                "Le rôle doit être l'une des valeurs suivantes\u00a0: admin, manager, interviewer (reçu\u00a0: 'boss').",
                "Choisissez un mot de passe d'au moins 10 caractères.",
            )
        ),
    ]
