"""The access matrix: every endpoint of the app, who may reach it, and what each actor gets.

One row per endpoint (``static`` is exempt): how to build its URL for State A's objects,
the body its state-changing method is sent with, and the status each actor gets, for GET
and for the state-changing method. The tests in this package walk ``app.url_map`` and fail
on any endpoint without a row, so a new endpoint is classified the day it is added.

Actors: ``anonymous``; the ``focal_point``, ``contributor`` and ``observer`` of State A;
an ``admin`` (the secretariat); ``other_state``, the focal point of State B.

Expected answers: ``LOGIN`` (a redirect to the sign-in page that comes back here after
signing in), ``302`` (any other redirect), or an exact status. A state-changing request is
sent with a realistic body (mostly empty), so "reached" means the view ran: its validation
answers (422), a business rule answers (302 with a message), or the change is made.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import Flask
from werkzeug.routing import Rule

from survey.auth.models import Role, User
from survey.auth.services import create_user
from survey.auth.tokens import LinkPurpose, make_token
from survey.core.db import db
from survey.questionnaires import editing
from survey.questionnaires.models import QuestionnaireVersion
from survey.questionnaires.services import published_version
from survey.responses.models import Response
from tests.conftest import PASSWORD, login, response_of, state_by_code

STATE_A = "KEN"
STATE_B = "CHL"

ACTORS = ("anonymous", "focal_point", "contributor", "observer", "admin", "other_state")
STATE_ROLES = ("focal_point", "contributor", "observer")
LOGIN = "login"  # a redirect to the sign-in page, to come back after signing in
STATE_CHANGING = ("POST", "PUT", "PATCH", "DELETE")
EXEMPT = frozenset({"static"})


@dataclass(frozen=True)
class Row:
    """One endpoint: its URL arguments for State A's objects, the body of its
    state-changing method, and each actor's answer per method."""

    args: Callable[[World], dict[str, Any]]
    expected: Mapping[str, Mapping[str, int | str]]
    body: Callable[[World], Any] | None = None
    json: bool = False  # the body is sent as JSON (the autosave endpoint)
    html: bool = True  # GET answers an HTML page (scanned for inline scripts and styles)


def _all(status: int | str) -> dict[str, int | str]:
    return dict.fromkeys(ACTORS, status)


def state_page(focal_point: int | str, contributor: int | str, observer: int | str,
               admin: int | str, anonymous: int | str = LOGIN) -> dict[str, int | str]:
    """A page of State A's response: another State's user finds nothing there (404)."""
    return {"anonymous": anonymous, "focal_point": focal_point, "contributor": contributor,
            "observer": observer, "admin": admin, "other_state": 404}


def admin_only(status: int | str) -> dict[str, int | str]:
    """The secretariat's pages: sign in first; users of a State are refused (403)."""
    return {"anonymous": LOGIN, "focal_point": 403, "contributor": 403, "observer": 403,
            "admin": status, "other_state": 403}


def signed_in(status: int | str) -> dict[str, int | str]:
    return {**_all(status), "anonymous": LOGIN}


# --- the objects the URLs point to -------------------------------------------------------

class World:
    """State A's objects, made on first use (through the services), within the test's
    transaction."""

    @functools.cached_property
    def response(self) -> Response:
        return response_of(STATE_A)

    @functools.cached_property
    def version(self) -> QuestionnaireVersion:
        return published_version("kyoto-2021")

    @functools.cached_property
    def draft(self) -> QuestionnaireVersion:
        draft = editing.new_draft_from(self.version, actor=None)
        db.session.commit()
        return draft

    @functools.cached_property
    def invited(self) -> User:
        """A user of State A invited but without a password yet."""
        user = create_user(f"invited.{STATE_A.lower()}@example.org", "Invited Person",
                           Role.CONTRIBUTOR, state_by_code(STATE_A), actor=None)
        db.session.commit()
        return user

    @functools.cached_property
    def invitation_token(self) -> str:
        return make_token(self.invited, LinkPurpose.INVITATION)


def response_args(world: World) -> dict[str, Any]:
    return {"response_id": world.response.id}


def cycle_args(world: World) -> dict[str, Any]:
    return {"cycle_id": world.response.cycle_id}


def export_args(world: World) -> dict[str, Any]:
    return {"cycle_id": world.response.cycle_id, "kind": "xlsx", "fingerprint": "0" * 32}


def version_args(world: World) -> dict[str, Any]:
    return {"version_id": world.version.id}


def draft_args(**extra: Any) -> Callable[[World], dict[str, Any]]:
    return lambda world: {"version_id": world.draft.id, **extra}


def nothing(world: World) -> dict[str, Any]:
    return {}


# --- the matrix ----------------------------------------------------------------------------

MATRIX: dict[str, Row] = {
    # The front door and the health check.
    "core.index": Row(nothing, {"GET": {**_all(302), "anonymous": LOGIN}}),
    "core.health": Row(nothing, {"GET": _all(200)}, html=False),

    # Signing in and out, passwords, language.
    "auth.login": Row(nothing, {"GET": {**_all(302), "anonymous": 200},
                                "POST": {**_all(302), "anonymous": 200}}),
    "auth.logout": Row(nothing, {"POST": _all(302)}),  # to the sign-in page, with no "next"
    "auth.set_password": Row(lambda w: {"token": w.invitation_token},
                             {"GET": _all(200), "POST": _all(200)}),
    "auth.forgot_password": Row(nothing, {"GET": _all(200), "POST": _all(200)}),
    "auth.change_password": Row(nothing, {"GET": signed_in(200), "POST": signed_in(200)}),
    "auth.set_language": Row(nothing, {"POST": _all(302)}, body=lambda w: {"locale": "fr"}),
    # The session's CSRF token, for a page open across a sign-in (the autosave script).
    "auth.csrf_token": Row(nothing, {"GET": signed_in(200)}, html=False),

    # A State's response.
    "responses.dashboard": Row(nothing, {"GET": {
        "anonymous": LOGIN, "focal_point": 302, "contributor": 302, "observer": 302,
        "admin": 404, "other_state": 302}}),
    "responses.overview": Row(response_args, {"GET": state_page(200, 200, 200, 200)}),
    "responses.section": Row(
        lambda w: {"response_id": w.response.id, "key": "I"},
        {"GET": state_page(200, 200, 200, 200), "POST": state_page(302, 302, 403, 403)}),
    "responses.autosave": Row(
        response_args, {"POST": state_page(200, 200, 403, 403, anonymous=401)},
        body=lambda w: {"changes": [{"key": "p21.status", "value": "fully", "base": ""}]},
        json=True),
    "responses.history": Row(
        lambda w: {"response_id": w.response.id, "key": "p21.status"},
        {"GET": state_page(200, 200, 200, 200)}),
    "responses.restore": Row(
        lambda w: {"response_id": w.response.id, "key": "p21.status"},
        {"POST": state_page(302, 302, 403, 403)}, body=lambda w: {"event_id": "0"}),
    "responses.submit": Row(response_args, {"GET": state_page(200, 403, 403, 403),
                                            "POST": state_page(422, 403, 403, 403)}),
    "responses.team": Row(
        response_args,
        # An empty invitation: the form again, with its errors.
        {"GET": state_page(200, 200, 200, 200), "POST": state_page(422, 403, 403, 403)},
        body=lambda w: {"action": "invite", "role": "observer", "email": "", "display_name": ""}),

    # Working offline: the workbook to download, the upload (an empty post: "choose a
    # file", 422) and keeping one's version of a conflicting answer.
    "responses.workbook_download": Row(response_args, {"GET": state_page(200, 200, 200, 200)},
                                       html=False),
    "responses.workbook_upload": Row(response_args, {"GET": state_page(200, 200, 403, 403),
                                                     "POST": state_page(422, 422, 403, 403)}),
    "responses.workbook_resolve": Row(
        response_args, {"POST": state_page(200, 200, 403, 403)},
        body=lambda w: {"conflicts": "1", "key-0": "p21.status", "value-0": '"fully"',
                        "token-0": "", "sheet-0": "I", "row-0": "3", "keep-0": "mine"}),

    # The national report.
    "reports.preview": Row(response_args, {"GET": state_page(200, 200, 200, 200)}),
    "reports.download": Row(response_args, {"GET": state_page(200, 200, 200, 200)}, html=False),
    "reports.progress": Row(response_args, {"GET": state_page(302, 302, 302, 302)}),
    "reports.status": Row(response_args, {"GET": state_page(200, 200, 200, 200)}, html=False),
    "reports.retry": Row(response_args, {"POST": state_page(303, 303, 303, 303)}),

    # The secretariat: the overview, questionnaires and their drafts.
    "admin.overview": Row(nothing, {"GET": admin_only(200)}),
    "admin.questionnaires": Row(nothing, {"GET": admin_only(200)}),
    "admin.version": Row(version_args, {"GET": admin_only(200)}),
    "admin.version_section": Row(lambda w: {"version_id": w.version.id, "key": "I"},
                                 {"GET": admin_only(200)}),
    "admin.version_definition": Row(version_args, {"GET": admin_only(200)}, html=False),
    # Two rules: without a section it goes to the first one; with a section, the page.
    "admin.preview": Row(version_args, {"GET": admin_only(302)}),
    "admin.preview /admin/versions/<int:version_id>/preview/<key>": Row(
        lambda w: {"version_id": w.version.id, "key": "I"}, {"GET": admin_only(200)}),
    "admin.version_changes": Row(version_args, {"GET": admin_only(200)}),
    "admin.new_draft": Row(version_args, {"POST": admin_only(302)}),
    "admin.discard_draft": Row(draft_args(), {"GET": admin_only(200), "POST": admin_only(302)}),
    "admin.edit_question": Row(draft_args(key="p22.status"),
                               {"GET": admin_only(200), "POST": admin_only(422)}),
    "admin.add_question": Row(draft_args(number=22),
                              {"GET": admin_only(200), "POST": admin_only(422)}),
    "admin.add_section_question": Row(draft_args(key="general"),
                                      {"GET": admin_only(200), "POST": admin_only(422)}),
    "admin.delete_question": Row(draft_args(key="p22.examples"),
                                 {"GET": admin_only(200), "POST": admin_only(302)}),
    "admin.move_question": Row(draft_args(key="p22.examples"), {"POST": admin_only(302)},
                               body=lambda w: {"direction": "up"}),
    # A field left out of a post keeps its value (as WTForms does): these save.
    "admin.edit_paragraph": Row(draft_args(number=22),
                                {"GET": admin_only(200), "POST": admin_only(302)}),
    "admin.edit_section": Row(draft_args(key="I"),
                              {"GET": admin_only(200), "POST": admin_only(302)}),
    "admin.publish": Row(draft_args(), {"GET": admin_only(200), "POST": admin_only(422)}),

    # Reporting cycles and exports.
    "admin.cycle_list": Row(nothing, {"GET": admin_only(200)}),
    "admin.new_cycle": Row(nothing, {"GET": admin_only(200), "POST": admin_only(422)}),
    "admin.cycle": Row(cycle_args, {"GET": admin_only(200)}),
    "admin.edit_cycle": Row(cycle_args, {"GET": admin_only(200), "POST": admin_only(422)}),
    "admin.cycle_status": Row(lambda w: {"cycle_id": w.response.cycle_id, "action": "open"},
                              {"POST": admin_only(302)}),
    # Without the confirmation box ticked, the page again (422).
    "admin.remind": Row(cycle_args, {"POST": admin_only(422)}),
    "admin.cycle_version": Row(cycle_args, {"GET": admin_only(200), "POST": admin_only(422)}),
    "admin.export_csv": Row(cycle_args, {"GET": admin_only(200)}, html=False),
    "admin.export_xlsx": Row(cycle_args, {"GET": admin_only(200)}, html=False),
    "admin.export_json": Row(cycle_args, {"GET": admin_only(200)}, html=False),
    "admin.export_response_json": Row(response_args, {"GET": admin_only(200)}, html=False),
    "admin.synthesis": Row(cycle_args, {"GET": admin_only(200)}, html=False),
    # Following a stored export a worker makes: without Redis the progress page sends to the
    # file, the status says it is missing, a retry asks for the file again.
    "admin.export_progress": Row(export_args, {"GET": admin_only(302)}),
    "admin.export_status": Row(export_args, {"GET": admin_only(200)}, html=False),
    "admin.export_retry": Row(export_args, {"POST": admin_only(303)}),

    # Review of a submission.
    "admin.review": Row(response_args, {"GET": admin_only(200)}),
    # Accepting is final: without the confirmation box ticked, the page again (422).
    "admin.accept": Row(response_args, {"POST": admin_only(422)}),
    "admin.return_for_revision": Row(response_args, {"POST": admin_only(422)}),
    "admin.extend_deadline": Row(response_args, {"POST": admin_only(302)}),
    # Without a mail server: refused with a message on the review page.
    "admin.remind_state": Row(response_args, {"POST": admin_only(302)}),

    # States and users, the audit trail.
    "admin.states": Row(nothing, {"GET": admin_only(200)}),
    "admin.new_state": Row(nothing, {"GET": admin_only(200), "POST": admin_only(422)}),
    "admin.users": Row(nothing, {"GET": admin_only(200)}),
    "admin.invite_user": Row(nothing, {"GET": admin_only(200), "POST": admin_only(422)}),
    "admin.user": Row(lambda w: {"user_id": w.invited.id}, {"GET": admin_only(200)}),
    "admin.change_role": Row(lambda w: {"user_id": w.invited.id}, {"POST": admin_only(422)}),
    "admin.set_active": Row(lambda w: {"user_id": w.invited.id}, {"POST": admin_only(302)},
                            body=lambda w: {"active": "yes"}),
    # Declining a nomination already decided says so (a flash and the account's page).
    "admin.decide_nomination": Row(lambda w: {"user_id": w.invited.id},
                                   {"POST": admin_only(302)},
                                   body=lambda w: {"decision": "decline"}),
    # A new link ends the earlier one: without the confirmation box ticked, the page again
    # (422). Ticked, for an account that has none that works and without a mail server, the
    # page showing the link once (tests/auth/test_invitations.py).
    "admin.new_link": Row(lambda w: {"user_id": w.invited.id}, {"POST": admin_only(422)}),
    "admin.audit": Row(nothing, {"GET": admin_only(200)}),
}


# --- walking the URL map -------------------------------------------------------------------

def row_key(app: Flask, rule: Rule) -> str:
    """The matrix key of a rule: its endpoint, or "endpoint rule" for the second and later
    rules of an endpoint that has several."""
    first = next(r for r in app.url_map.iter_rules() if r.endpoint == rule.endpoint)
    return rule.endpoint if first is rule else f"{rule.endpoint} {rule.rule}"


def rules(app: Flask) -> Iterator[tuple[str, Rule]]:
    for rule in app.url_map.iter_rules():
        if rule.endpoint not in EXEMPT:
            yield row_key(app, rule), rule


def missing_rows(app: Flask) -> list[str]:
    return sorted({key for key, _rule in rules(app) if key not in MATRIX})


def methods_of(rule: Rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def url_for_rule(app: Flask, rule: Rule, args: Mapping[str, Any]) -> str:
    """The rule's URL with these arguments (only those the rule takes)."""
    values = {name: value for name, value in args.items()
              if name in rule.arguments and name not in (rule.defaults or {})}
    built = rule.build(values, append_unknown=False)
    assert built is not None, (rule.rule, values)
    return built[1]


def rule_for(app: Flask, key: str) -> Rule:
    return next(rule for k, rule in rules(app) if k == key)


# --- the actors ----------------------------------------------------------------------------

@dataclass
class Actors:
    """One signed-in test client per actor, each from its own address (rate limits are per
    address, as for people on different machines)."""

    app: Flask
    users: dict[str, User | None] = field(default_factory=dict)
    clients: dict[str, Any] = field(default_factory=dict)

    def client(self, actor: str):
        if actor not in self.clients:
            client = self.app.test_client()
            client.environ_base["REMOTE_ADDR"] = f"10.0.0.{ACTORS.index(actor) + 1}"
            user = self._user(actor)
            if user is not None:
                login(client, user)
            self.users[actor] = user
            self.clients[actor] = client
        return self.clients[actor]

    def _user(self, actor: str) -> User | None:
        if actor == "anonymous":
            return None
        if actor == "admin":
            role, state = Role.ADMIN, None
        elif actor == "other_state":
            role, state = Role.FOCAL_POINT, state_by_code(STATE_B)
        else:
            role, state = Role(actor), state_by_code(STATE_A)
        user = create_user(f"{actor}.matrix@example.org", f"Matrix {actor}", role, state,
                           actor=None, password=PASSWORD)
        db.session.commit()
        return user


def send(client, method: str, url: str, row: Row, world: World, *, csrf: bool = True):
    """The request the matrix describes, as the actor's browser would send it."""
    if method == "GET":
        return client.get(url)
    body = row.body(world) if row.body else {}
    if row.json:
        return client.open(url, method=method, json=body, csrf=csrf)
    return client.open(url, method=method, data=body, csrf=csrf)


def answer_of(response) -> int | str:
    """What the matrix calls an answer: LOGIN for a redirect to sign in, else the status."""
    location = response.headers.get("Location", "")
    if response.status_code == 302 and location.startswith("/login?next="):
        return LOGIN
    return response.status_code


def reached(expected: int | str) -> bool:
    """Whether the request got past access control to the view itself."""
    return expected not in (LOGIN, 401, 403, 404)


def table_rows(db_session) -> dict[str, list[tuple]]:
    """Every row of every table, for proving that a refused request changed nothing."""
    from survey.core.db import Base

    contents = {}
    for table in Base.metadata.sorted_tables:
        order = list(table.primary_key.columns) or list(table.columns)
        contents[table.name] = [tuple(row) for row in db_session.execute(
            sa.select(table).order_by(*order))]
    return contents
