"""Browser tests: the app served by gunicorn on a committed database, driven by Debian's
Chromium through Playwright, with an axe-core accessibility audit of each page.

They need /usr/bin/chromium (Debian package ``chromium``; SURVEY_TEST_CHROMIUM names another
path) and axe-core (``npm ci``). Without them they are skipped with one message saying what
to install, unless SURVEY_REQUIRE_BROWSER=1 (CI), where a missing tool is a failure.

Each test works on a State of its own (and users with addresses of its own) and removes
what it made, since the database is shared by the session.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from survey import PROJECT_ROOT
from survey.auth.models import ContributorSection, LoginSession, Role, User
from survey.auth.services import create_user
from survey.core.audit import AuditEvent
from survey.core.db import db
from survey.cycles.services import current_cycle
from survey.reports.models import RenderedReport
from survey.responses.models import Answer, Response
from survey.states.models import State
from tests.conftest import PASSWORD
from tests.e2e.server import LiveServer

# Debian's Chromium; SURVEY_TEST_CHROMIUM names another build of it.
CHROMIUM = Path(os.environ.get("SURVEY_TEST_CHROMIUM") or "/usr/bin/chromium")
AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def missing_browser_tools(chromium: Path = CHROMIUM, axe: Path = AXE) -> str | None:
    """What the browser tests lack, as one message saying what to install; None if
    nothing."""
    missing = []
    if not (chromium.is_file() and os.access(chromium, os.X_OK)):
        missing.append(f"Chromium at {chromium} (Debian: apt-get install chromium)")
    if not axe.is_file():
        where = axe.relative_to(PROJECT_ROOT) if axe.is_relative_to(PROJECT_ROOT) else axe
        missing.append(f"axe-core at {where} (run: npm ci)")
    if importlib.util.find_spec("playwright") is None:
        missing.append('the playwright package (pip install -e ".[test]")')
    if not missing:
        return None
    return "browser tests need " + " and ".join(missing)


def browser_tools_or_skip(problem: str | None, required: bool) -> None:
    """Skip (or, where the browser is required, fail) when tools are missing."""
    if problem is None:
        return
    if required:
        pytest.fail(problem + " — SURVEY_REQUIRE_BROWSER=1, so this is a failure, not a skip",
                    pytrace=False)
    pytest.skip(problem)


def browser_required() -> bool:
    return os.environ.get("SURVEY_REQUIRE_BROWSER", "") == "1"


@pytest.fixture(scope="session")
def browser_tools() -> None:
    browser_tools_or_skip(missing_browser_tools(), browser_required())


@pytest.fixture(scope="session")
def browser(browser_tools) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                              args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@pytest.fixture(scope="session")
def live_server(browser_tools, committed_app: Flask,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = LiveServer(committed_app, tmp_path_factory.mktemp("e2e-server"), workers=2)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def axe_source(browser_tools) -> str:
    return AXE.read_text(encoding="utf-8")


# --- pages ---------------------------------------------------------------------------------

def _offline_by_design(text: str) -> bool:
    """A request refused because a test took the browser offline (``set_offline``): the
    autosave tried and will retry, which the test checks; Chromium logs the refusal."""
    return "net::ERR_INTERNET_DISCONNECTED" in text


@dataclass
class Audit:
    """axe-core's WCAG 2.1 AA findings, page by page, and what the browser complained
    about (CSP violations, script errors)."""

    axe_source: str
    server: LiveServer | None = None
    violations: dict[str, list[str]] = field(default_factory=dict)
    console: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)

    def watch(self, page: Any) -> Any:
        page.on("console", lambda message: self.console.append(
            f"{page.url}: {message.text}") if message.type == "error"
            and not _offline_by_design(message.text) else None)
        page.on("pageerror", lambda error: self.console.append(f"{page.url}: {error}"))
        page.on("response", lambda response: self.console.append(
            f"{response.status} from {response.url}") if response.status >= 500 else None)
        return page

    def check(self, page: Any, name: str) -> None:
        """Run axe on the page as it is now; remember its violations under ``name``."""
        page.wait_for_load_state("load")
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            # Evaluated through the DevTools protocol: the page's CSP stays in force.
            page.evaluate(self.axe_source)
        found = page.evaluate(
            """async (tags) => {
                 const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
                 return result.violations.map(v => v.id + ' (' + v.impact + '): ' + v.help
                   + ' — ' + v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' '
                   + n.html.slice(0, 160)).join(' | '));
               }""", WCAG_21_AA)
        self.pages.append(name)
        if found:
            self.violations[f"{name} ({page.url})"] = found

    def assert_clean(self) -> None:
        assert self.violations == {}, "axe-core found WCAG 2.1 AA violations:\n" + "\n".join(
            f"- {where}:\n    " + "\n    ".join(found)
            for where, found in self.violations.items())
        assert self.console == [], "the browser reported errors:\n" + "\n".join(
            self.console) + ("\n\nThe server's log ends with:\n" + self.server.log()[-6000:]
                             if self.server else "")


@pytest.fixture
def audit(axe_source, live_server) -> Audit:
    return Audit(axe_source, live_server)


# --- data on the shared database ------------------------------------------------------------

@dataclass
class Team:
    """Users of one State made for a test (and the secretariat's), with the ids to clean up."""

    app: Flask
    state_code: str
    emails: list[str] = field(default_factory=list)

    def user(self, role: str, name: str, *, password: str | None = PASSWORD) -> User:
        email = f"e2e.{role}.{len(self.emails)}.{self.state_code.lower()}@example.org"
        self.emails.append(email)
        with self.app.app_context():
            state = None if role == "admin" else _state(self.state_code)
            user = create_user(email, name, Role(role), state, actor=None, password=password)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
        return user

    def remember(self, email: str) -> None:
        self.emails.append(email.lower())

    def response_id(self) -> int:
        with self.app.app_context():
            return _response(self.state_code).id

    def run(self, work: Callable[[], Any]) -> Any:
        """Run ``work`` in an application context and a request context (services that
        build URLs or translate need one), then commit."""
        with self.app.app_context(), self.app.test_request_context("/"):
            result = work()
            db.session.commit()
            return result

    def clean(self) -> None:
        with self.app.app_context():
            state = _state(self.state_code)
            response = _response(self.state_code)
            user_ids = list(db.session.scalars(sa.select(User.id).where(sa.or_(
                User.state_id == state.id, User.email.in_(self.emails)))))
            db.session.execute(sa.delete(AuditEvent).where(sa.or_(
                AuditEvent.state_id == state.id, AuditEvent.actor_id.in_(user_ids))))
            db.session.execute(sa.delete(Answer).where(Answer.response_id == response.id))
            db.session.execute(sa.delete(RenderedReport).where(
                RenderedReport.response_id == response.id))
            db.session.execute(sa.update(Response).where(Response.id == response.id).values(
                status="not_started", revision=0, last_activity_at=None,
                last_activity_by_id=None, submitted_at=None, submitted_by_id=None,
                reviewed_at=None, reviewed_by_id=None, review_comment=None,
                extended_until=None))
            db.session.execute(sa.delete(ContributorSection).where(
                ContributorSection.user_id.in_(user_ids)))
            db.session.execute(sa.delete(LoginSession).where(LoginSession.user_id.in_(user_ids)))
            db.session.execute(sa.update(User).where(User.id.in_(user_ids)).values(
                invited_by_id=None))
            db.session.execute(sa.delete(User).where(User.id.in_(user_ids)))
            db.session.commit()


def _state(code: str) -> State:
    return db.session.scalars(sa.select(State).where(State.code == code)).one()


def _response(code: str) -> Response:
    return db.session.scalars(sa.select(Response).where(
        Response.state_id == _state(code).id, Response.cycle_id == current_cycle().id)).one()


@pytest.fixture
def team_of(committed_app: Flask) -> Iterator[Callable[[str], Team]]:
    """team_of("PRT"): a Team for that State; everything it made is removed afterwards."""
    teams: list[Team] = []

    def make(code: str) -> Team:
        team = Team(committed_app, code)
        team.clean()  # whatever an interrupted earlier run left
        teams.append(team)
        return team

    yield make
    for team in teams:
        team.clean()


# --- browser helpers -------------------------------------------------------------------------

def refresh_session(context: Any, base_url: str) -> None:
    """Let the server note the session's activity with a request of its own.

    A session idle for over a minute is touched (a write) by the next request. On SQLite,
    two requests of one session that both touch it at once (a page and its stylesheet)
    make one fail with "database is locked" (see test_sessions_under_load.py); a tab that
    sat idle does this first, as a real browser's background request would.
    """
    context.request.get(base_url + "/", max_redirects=0).dispose()


def sign_in(page: Any, base_url: str, email: str, password: str = PASSWORD) -> None:
    page.goto(base_url + "/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/(responses/\d+|admin/)$"))
