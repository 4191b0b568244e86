"""Limits on what a request may carry, answered with a clear message, never a 500: the
autosave endpoint, the section form, the administration's forms, the team's invitation.

(The request size, the number of fields of a sign-in form and the length of its e-mail
field are tested in tests/core/test_hardening.py.)
"""

from __future__ import annotations

import pytest

from survey.core.db import db
from survey.questionnaires import editing
from survey.questionnaires.services import published_version
from survey.responses.services import answer_values, submit
from tests.conftest import page_text, response_of
from tests.security.helpers import answer_required
from tests.security.matrix import table_rows

STATE = "GHA"


@pytest.fixture
def focal_point(client, login_as):
    return login_as("focal_point", STATE)


def autosave_url() -> str:
    return f"/responses/{response_of(STATE).id}/autosave"


# --- the autosave endpoint ------------------------------------------------------------------

def test_autosave_refuses_too_many_answers_at_once(app, client, focal_point):
    limit = app.config["MAX_FORM_PARTS"]
    changes = [{"key": "general.coordinating_institution", "value": "x", "base": ""}]
    reply = client.post(autosave_url(), json={"changes": changes * (limit + 1)})
    assert reply.status_code == 413
    assert reply.get_json()["message"] == "Please shorten the text or send fewer items at a time."
    assert answer_values(response_of(STATE)) == {}


def test_autosave_refuses_a_body_over_the_size_limit(app, client, focal_point):
    size = app.config["MAX_CONTENT_LENGTH"] + 1
    reply = client.post(autosave_url(), data=b'{"changes": [], "x": "' + b"x" * size + b'"}',
                        headers={"Content-Type": "application/json"})
    assert reply.status_code == 413
    assert reply.get_json()["error"] == "What you sent is too large"


@pytest.mark.parametrize(("key", "limit"), [
    ("general.coordinating_institution", 2000),  # text: the TEXT_MAX_CHARS setting
    ("general.executive_summary", 3500),  # long text with its own maximum
    ("p21.measures", 200_000),  # long text: the LONG_TEXT_MAX_CHARS setting
])
def test_autosave_says_which_answer_is_too_long_and_saves_none_of_it(
        app, client, focal_point, key, limit):
    reply = client.post(autosave_url(), json={"changes": [
        {"key": key, "value": "a" * (limit + 1), "base": ""},
        {"key": "general.priority_actions", "value": "Within the limit", "base": ""}]})
    assert reply.status_code == 200
    body = reply.get_json()
    assert body["errors"] == {key: f"This answer has {limit + 1:,} characters; the limit is "
                                   f"{limit:,}. Shorten it; nothing of it has been lost."}
    assert list(body["saved"]) == ["general.priority_actions"]
    assert answer_values(response_of(STATE)) == {"general.priority_actions": "Within the limit"}


@pytest.mark.parametrize("payload", [
    [1, 2], "text", {"changes": "not a list"}, {"nothing": []},
])
def test_autosave_answers_a_malformed_body_with_400(client, focal_point, payload):
    reply = client.post(autosave_url(), json=payload)
    assert reply.status_code == 400
    assert reply.get_json()["error"] == "The request could not be understood."


@pytest.mark.parametrize("value", [
    {"nested": "object"}, [["nested", "list"]], True,
])
def test_autosave_refuses_a_value_of_the_wrong_shape_by_question(client, focal_point, value):
    reply = client.post(autosave_url(), data='{"changes": [{"key": "p21.authorities", '
                        '"base": "", "value": ' + _json(value) + "}]}",
                        headers={"Content-Type": "application/json"})
    assert reply.status_code == 200
    assert reply.get_json()["errors"] == {"p21.authorities": "This answer has an unexpected form."}
    assert answer_values(response_of(STATE)) == {}


def _json(value) -> str:
    import json

    return json.dumps(value)


def test_the_section_form_keeps_an_overlong_answer_with_its_message(client, focal_point):
    text = "b" * 2001
    reply = client.post(f"/responses/{response_of(STATE).id}/sections/general", data={
        "general.coordinating_institution": text, "base.general.coordinating_institution": ""})
    assert reply.status_code == 200
    assert "This answer has 2,001 characters; the limit is 2,000." in page_text(reply)
    assert f'value="{text}"' in reply.get_data(as_text=True)  # the text is not lost
    assert answer_values(response_of(STATE)) == {}


# --- the administration's forms -------------------------------------------------------------

@pytest.fixture
def admin(client, login_as):
    return login_as("admin", None)


@pytest.fixture
def draft(app):
    version = editing.new_draft_from(published_version("kyoto-2021"), actor=None)
    db.session.commit()
    return version


def _submitted(make_user) -> int:
    response = response_of(STATE)
    focal = make_user("focal_point", STATE)
    answer_required(response, focal)
    submit(response, actor=focal)
    db.session.commit()
    return response.id


# (url, the data of an otherwise valid form, the field made too long, its limit)
ADMIN_FORMS = {
    "invitation": (lambda d, m: "/admin/users/invite",
                   {"email": "new.person@example.org", "role": "observer", "state": STATE},
                   "display_name", 200),
    "participant": (lambda d, m: "/admin/states/new",
                    {"code": "ATA", "kind": "other", "regional_group": "none"}, "name", 200),
    "cycle": (lambda d, m: "/admin/cycles/new",
              {"slug": "limits", "opens_on": "2030-01-01", "closes_on": "2030-06-30"},
              "name", 200),
    "section title": (lambda d, m: f"/admin/versions/{d().id}/sections/I/edit", {}, "title",
                      500),
    "question label": (lambda d, m: f"/admin/versions/{d().id}/questions/p22.authorities/edit",
                       {"type": "text"}, "label", 2000),
    "question help": (lambda d, m: f"/admin/versions/{d().id}/questions/p22.authorities/edit",
                      {"type": "text", "label": "Authorities"}, "help", 5000),
    "paragraph reason": (lambda d, m: f"/admin/versions/{d().id}/paragraphs/22/edit",
                         {"actionable": "y"}, "reason", 2000),
    "change note": (lambda d, m: f"/admin/versions/{d().id}/publish", {"confirm": "y"},
                    "change_note", 5000),
    "review comment": (lambda d, m: f"/admin/responses/{_submitted(m)}/return", {},
                       "comment", 10_000),
}


@pytest.mark.parametrize("form", list(ADMIN_FORMS))
def test_admin_forms_refuse_overlong_fields_with_a_message(
        app, client, admin, request, make_user, form):
    url, data, name, limit = ADMIN_FORMS[form]
    url = url(lambda: request.getfixturevalue("draft"), make_user)
    before = table_rows(db.session)
    reply = client.post(url, data={**data, name: "c" * (limit + 1)})
    assert reply.status_code == 422, page_text(reply)[:500]
    assert f"Field cannot be longer than {limit} characters." in page_text(reply)
    assert table_rows(db.session) == before


def test_admin_forms_refuse_too_many_fields(app, client, admin):
    fields = {f"field{i}": "x" for i in range(app.config["MAX_FORM_PARTS"] + 1)}
    reply = client.post("/admin/users/invite", data=fields)
    assert reply.status_code == 413
    assert "What you sent is too large" in page_text(reply)


def test_a_multipart_post_with_too_many_parts_is_refused(app, client, admin):
    parts = b"".join(b'--B\r\nContent-Disposition: form-data; name="f%d"\r\n\r\nx\r\n' % i
                     for i in range(app.config["MAX_FORM_PARTS"] + 1))
    reply = client.post("/admin/users/invite", data=parts + b"--B--\r\n",
                        content_type="multipart/form-data; boundary=B")
    assert reply.status_code == 413
    assert "What you sent is too large" in page_text(reply)


# --- the team page's invitation -------------------------------------------------------------

def test_the_team_invitation_refuses_an_overlong_name_with_a_message(client, focal_point):
    reply = client.post(f"/responses/{response_of(STATE).id}/team", data={
        "action": "invite", "role": "observer", "email": "long.name@example.org",
        "display_name": "d" * 201})
    assert reply.status_code == 422
    assert "200" in page_text(reply)  # the message names the limit
    assert 'value="long.name@example.org"' in reply.get_data(as_text=True), "input kept"
    from survey.auth.services import user_by_email

    assert user_by_email("long.name@example.org") is None
