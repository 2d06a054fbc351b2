"""The Users page: list, add (one-time password shown once), change role, deactivate and reactivate,
reset a password, unlock. Administrators only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from app_helpers import assert_no_exception, click, signed_in, texts
from factories import DEFAULT_PASSWORD, make_user
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from tracker.db import read_session, write_session
from tracker.models import Role, User, utcnow
from tracker.services.accounts import authenticate

pytest_plugins = ["app_helpers"]


@pytest.fixture
def people(app_engine: Engine) -> dict[str, int]:
    with write_session(app_engine) as session:
        admin = make_user(session, role=Role.admin, display_name="Ada Admin")
        manager = make_user(session, role=Role.manager, display_name="Morgan Manager")
        interviewer = make_user(session, role=Role.interviewer, display_name="Ines Interviewer")
        return {"admin": admin.id, "manager": manager.id, "interviewer": interviewer.id}


def user_row(engine: Engine, *, user_id: int | None = None, email: str | None = None) -> User:
    with read_session(engine) as session:
        if user_id is not None:
            row = session.get(User, user_id)
        else:
            row = session.exec(select(User).where(func.lower(User.email) == email)).one()
        session.expunge(row)
        return row


def can_sign_in(engine: Engine, email: str, password: str) -> bool:
    try:
        with write_session(engine) as session:
            authenticate(session, email=email, password=password)
    except Exception:
        return False
    return True


def choose(at: AppTest, user_id: int) -> AppTest:
    return at.selectbox(key="users_choice").set_value(user_id).run()


def test_admins_see_every_account(people: dict[str, int]) -> None:
    at = signed_in(people["admin"], page="users")
    assert_no_exception(at)
    assert [t.value for t in at.title] == ["Users"]
    table = at.dataframe[0].value
    assert set(table["Name"]) == {"Ada Admin", "Morgan Manager", "Ines Interviewer"}
    assert set(table["Role"]) == {"Administrator", "Hiring manager", "Interviewer"}
    assert "$argon2" not in table.to_csv()  # never a password hash


@pytest.mark.parametrize("role", ["manager", "interviewer"])
def test_other_roles_are_refused_the_users_page(people: dict[str, int], role: str) -> None:
    at = signed_in(people[role], page="users")
    assert [t.value for t in at.title] == ["Access refused"]
    assert not at.dataframe


def test_adding_a_user_with_a_generated_password_shows_it_once(app_engine: Engine, people: dict[str, int]) -> None:
    at = signed_in(people["admin"], page="users")
    at.text_input(key="users_add_email").input("Rosalie.Gagnon@northwind.example")
    at.text_input(key="users_add_name").input("Rosalie Gagnon")
    at.selectbox(key="users_add_role").set_value(Role.manager)
    at = click(at, "Add the user")
    assert_no_exception(at)
    assert "rosalie.gagnon@northwind.example can now sign in as Hiring manager." in texts(at).replace("\\", "")
    [code] = at.code
    password = code.value
    assert len(password) >= 16
    created = user_row(app_engine, email="rosalie.gagnon@northwind.example")
    assert (created.role, created.must_change_password, created.display_name) == (Role.manager, True, "Rosalie Gagnon")
    assert password not in (created.password_hash or "")
    assert can_sign_in(app_engine, "rosalie.gagnon@northwind.example", password)
    at.run()  # any next interaction: the password is gone from the page and from the session
    assert not at.code
    assert "users_new_password" not in at.session_state


def test_adding_a_user_with_a_chosen_password_does_not_echo_it(app_engine: Engine, people: dict[str, int]) -> None:
    at = signed_in(people["admin"], page="users")
    at.text_input(key="users_add_email").input("theo@northwind.example")
    at.text_input(key="users_add_name").input("Théo Martin")
    at.text_input(key="users_add_password").input("a-long-enough-password")
    at = click(at, "Add the user")
    assert_no_exception(at)
    assert not at.code
    assert can_sign_in(app_engine, "theo@northwind.example", "a-long-enough-password")


def test_a_duplicate_e_mail_is_refused(app_engine: Engine, people: dict[str, int]) -> None:
    existing = user_row(app_engine, user_id=people["manager"])
    at = signed_in(people["admin"], page="users")
    at.text_input(key="users_add_email").input(existing.email)
    at.text_input(key="users_add_name").input("Someone Else")
    at = click(at, "Add the user")
    assert "already exists" in at.error[0].value
    assert not at.code


def test_a_single_sign_on_account_gets_no_password(app_engine: Engine, people: dict[str, int]) -> None:
    at = signed_in(people["admin"], page="users")
    at.text_input(key="users_add_email").input("sso.only@northwind.example")
    at.text_input(key="users_add_name").input("Sol Signon")
    at.checkbox(key="users_add_sso_only").check()
    at = click(at, "Add the user")
    assert_no_exception(at)
    assert not at.code
    created = user_row(app_engine, email="sso.only@northwind.example")
    assert (created.password_hash, created.must_change_password) == (None, False)


def test_changing_a_role(app_engine: Engine, people: dict[str, int]) -> None:
    at = choose(signed_in(people["admin"], page="users"), people["interviewer"])
    at.selectbox(key=f"users_edit_role_{people['interviewer']}_1").set_value(Role.manager)
    at = click(at, "Save the account")
    assert_no_exception(at)
    assert user_row(app_engine, user_id=people["interviewer"]).role == Role.manager


def test_deactivating_then_reactivating_an_account(app_engine: Engine, people: dict[str, int]) -> None:
    at = choose(signed_in(people["admin"], page="users"), people["manager"])
    at = click(at, "Deactivate")
    assert_no_exception(at)
    manager = user_row(app_engine, user_id=people["manager"])
    assert not manager.active
    assert not can_sign_in(app_engine, manager.email, DEFAULT_PASSWORD)
    at = choose(at, people["manager"])
    assert "This account is deactivated" in texts(at)
    at = click(at, "Reactivate")
    assert user_row(app_engine, user_id=people["manager"]).active
    assert can_sign_in(app_engine, manager.email, DEFAULT_PASSWORD)


def test_admins_cannot_deactivate_themselves(app_engine: Engine, people: dict[str, int]) -> None:
    at = choose(signed_in(people["admin"], page="users"), people["admin"])
    at = click(at, "Deactivate")
    assert "cannot deactivate your own account" in at.error[0].value
    assert user_row(app_engine, user_id=people["admin"]).active


def test_resetting_a_password_generates_a_one_time_one(app_engine: Engine, people: dict[str, int]) -> None:
    at = choose(signed_in(people["admin"], page="users"), people["interviewer"])
    at = click(at, "Set the password")
    assert_no_exception(at)
    [code] = at.code
    interviewer = user_row(app_engine, user_id=people["interviewer"])
    assert interviewer.must_change_password
    assert can_sign_in(app_engine, interviewer.email, code.value)
    assert not can_sign_in(app_engine, interviewer.email, DEFAULT_PASSWORD)


def test_unlocking_a_locked_account(app_engine: Engine, people: dict[str, int]) -> None:
    with write_session(app_engine) as session:
        row = session.get(User, people["interviewer"])
        row.locked_until = utcnow() + timedelta(minutes=10)
        session.add(row)
    at = choose(signed_in(people["admin"], page="users"), people["interviewer"])
    assert "locked after repeated failed sign-ins" in texts(at)
    at = click(at, "Unlock")
    assert_no_exception(at)
    assert user_row(app_engine, user_id=people["interviewer"]).locked_until is None
    assert "Unlock" not in [b.label for b in at.button]


def test_users_page_speaks_french(people: dict[str, int]) -> None:
    at = signed_in(people["admin"], lang="fr", page="users")
    assert_no_exception(at)
    assert [t.value for t in at.title] == ["Utilisateurs"]
    assert "Gestionnaire d'embauche" in set(at.dataframe[0].value["Rôle"])


def test_an_admin_sees_and_removes_a_single_sign_on_link(app_engine: Engine, people: dict[str, int]) -> None:
    from tracker.models import AuditEvent, UserIdentity
    from tracker.services.accounts import actor_for_sso

    issuer = "https://login.northwind.example"
    manager = user_row(app_engine, user_id=people["manager"])
    claims = {"iss": issuer, "sub": "morgan-1", "email": manager.email, "email_verified": True}
    with write_session(app_engine) as session:
        actor_for_sso(session, claims=claims, issuers=[issuer])
    at = choose(signed_in(people["admin"], page="users"), people["manager"])
    assert_no_exception(at)
    table = at.dataframe[0].value
    assert dict(zip(table["Name"], table["Single sign-on linked"], strict=True))["Morgan Manager"]
    assert "Linked to single sign-on at https\\://login\\.northwind\\.example since" in texts(at)
    at = click(at, "Remove the single-sign-on link")
    assert_no_exception(at)
    with read_session(app_engine) as session:
        assert session.exec(select(func.count()).select_from(UserIdentity)).one() == 0
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "account.sso_unlink")).one().actor_id == people["admin"]
    assert not any(b.label == "Remove the single-sign-on link" for b in at.button)
