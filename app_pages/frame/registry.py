"""Every page of the dashboard and who may open it: the one table the router and tests read.

A page a role may not see is not listed in that user's menu. It is still registered, hidden, under
its usual URL path, so that a typed URL or ``st.switch_page`` lands on it instead of Streamlit's
"page not found"; the router then shows a refusal **instead of running the page** (the page's own
``require_roles`` is the second lock). Signed out, every page is registered hidden and the router
shows the sign-in form whatever the URL, so a deep link opens after signing in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from app_pages.frame.lang import translator
from tracker.i18n import N_
from tracker.models import Role
from tracker.services.actor import Actor

APP_PAGES_DIR = Path(__file__).resolve().parent.parent
EVERYONE = frozenset(Role)
STAFF = frozenset({Role.admin, Role.manager})


@dataclass(frozen=True)
class PageSpec:
    key: str  # file stem under app_pages/
    title: str  # msgid, translated when the menu is built
    icon: str
    section: str  # msgid of the menu section
    roles: frozenset[Role]

    @property
    def path(self) -> Path:
        return APP_PAGES_DIR / f"{self.key}.py"

    @property
    def relative_path(self) -> str:
        """The path ``st.switch_page``/``st.page_link``/``AppTest.switch_page`` accept."""
        return f"app_pages/{self.key}.py"

    @property
    def url_path(self) -> str:
        return self.key.replace("_", "-")

    def allows(self, role: Role | str | None) -> bool:
        return role is not None and Role(role) in self.roles


MY_WORK, HIRING, ADMINISTRATION = N_("My work"), N_("Hiring"), N_("Administration")

# Order = menu order. Scoring is open to every role because managers and admins sit on panels too;
# consensus to interviewers because a chair is an interviewer: the services decide per posting.
PAGES: tuple[PageSpec, ...] = (
    PageSpec("home", N_("Home"), ":material/home:", MY_WORK, EVERYONE),
    PageSpec("outstanding", N_("Outstanding work"), ":material/pending_actions:", MY_WORK, EVERYONE),
    PageSpec("scoring", N_("My scorecards"), ":material/rate_review:", MY_WORK, EVERYONE),
    PageSpec("consensus", N_("Consensus"), ":material/groups:", MY_WORK, EVERYONE),
    PageSpec("postings", N_("Postings"), ":material/description:", HIRING, STAFF),
    PageSpec("rubric", N_("Rubric"), ":material/checklist:", HIRING, STAFF),
    PageSpec("candidates", N_("Candidates and panels"), ":material/badge:", HIRING, STAFF),
    PageSpec("results", N_("Results"), ":material/leaderboard:", HIRING, STAFF),
    PageSpec("audit_log", N_("Audit log"), ":material/history:", ADMINISTRATION, STAFF),
    PageSpec("users", N_("Users"), ":material/manage_accounts:", ADMINISTRATION, frozenset({Role.admin})),
)
HOME = PAGES[0]


def page_spec(key: str) -> PageSpec:
    for spec in PAGES:
        if spec.key == key:
            return spec
    raise KeyError(f"No page {key!r} in app_pages/frame/registry.py")


def visible_pages(role: Role | str | None) -> list[PageSpec]:
    """The pages listed in the menu of a user with ``role`` (none when signed out)."""
    return [spec for spec in PAGES if spec.allows(role)]


@dataclass
class Navigation:
    """What ``st.navigation`` receives, and which spec each registered page stands for."""

    sections: dict[str, list[StreamlitPage]] = field(default_factory=dict)
    specs: list[tuple[StreamlitPage, PageSpec]] = field(default_factory=list)

    def spec_for(self, page: StreamlitPage) -> PageSpec:
        for candidate, spec in self.specs:
            if candidate is page:
                return spec
        return HOME


def build_navigation(actor: Actor | None) -> Navigation:
    _ = translator()
    role = actor.role if actor else None
    nav = Navigation()
    hidden: list[StreamlitPage] = []
    for spec in PAGES:
        visible = spec.allows(role)
        page = st.Page(
            spec.path,
            title=_(spec.title),
            icon=spec.icon,
            url_path=spec.url_path,
            default=spec is HOME,
            visibility="visible" if visible else "hidden",
        )
        nav.specs.append((page, spec))
        if visible:
            nav.sections.setdefault(_(spec.section), []).append(page)
        else:
            hidden.append(page)
    if hidden:
        # Hidden pages are never drawn; they only need to be registered somewhere.
        nav.sections.setdefault(_(MY_WORK), []).extend(hidden)
    return nav
