"""A page of answers saved without JavaScript after the session ended (idle too long): the
sign-in page carries what was sent, and once the same person has signed in again they can
save it, with the revisions it was based on, so that a colleague's change made meanwhile is
shown as a conflict and never overwritten."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import sqlalchemy as sa
from markupsafe import escape
from werkzeug.datastructures import MultiDict

from survey.auth.models import LoginSession
from survey.core.db import db
from survey.responses import services
from tests.conftest import PASSWORD, login, page_text, response_of
from tests.responses.helpers import page_csrf_token, save, tokens_on_page

HOSTILE = 'Ministry of Justice <b onmouseover="alert(1)">& "partners"</b>'
WORDS = "Two national workshops,\r\nthen a public call for comments."


class _Forms(HTMLParser):
    """Each form of a page: its action and its fields' (name, value) in order."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, list[tuple[str, str]]]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append((attrs.get("action") or "", []))
        elif tag == "input" and self.forms and attrs.get("name"):
            self.forms[-1][1].append((attrs["name"], attrs.get("value") or ""))


def form_posting_to(html: str, action_part: str) -> tuple[str, list[tuple[str, str]]]:
    parser = _Forms()
    parser.feed(html)
    return next((action, fields) for action, fields in parser.forms if action_part in action)


def end_session_by_idling(user, app) -> None:
    idle = app.config["SURVEY"].SESSION_IDLE_MINUTES
    for login_session in db.session.scalars(sa.select(LoginSession).where(
            LoginSession.user_id == user.id)):
        login_session.last_seen_at -= timedelta(minutes=idle + 1)
    db.session.commit()


def sent_after_idling(client, app, user, response, values: list[tuple[str, str]]):
    """Open the section "declaration", idle past the limit, then press Save."""
    url = f"/responses/{response.id}/sections/declaration"
    tokens = tokens_on_page(client.get(url).get_data(as_text=True))
    end_session_by_idling(user, app)
    form = [(f"base.{k}", v) for k, v in tokens.items()] + values
    return client.post(url, data=_multi(form))


def _multi(pairs: list[tuple[str, str]]) -> MultiDict:
    return MultiDict(pairs)  # a form may repeat a field (the ticked boxes of one question)


def sign_in_again(client, email: str, page, password: str = PASSWORD):
    """Post the sign-in form the page shows, with whatever it carries."""
    action, fields = form_posting_to(page.get_data(as_text=True), "/login")
    fields = [(n, v) for n, v in fields if n not in ("email", "password")]
    return client.post(action, csrf=False, data=_multi([("email", email),
                                                        ("password", password), *fields]))


def press_save_my_answers(client, page):
    """Post the form as the browser would, with the CSRF token the page carries."""
    action, fields = form_posting_to(page.get_data(as_text=True), "/sections/")
    return client.post(action, csrf=False, data=_multi(fields))


ANSWERS = [("p3.status", "partially"), ("p3.measures", WORDS), ("p3.authorities", HOSTILE),
           ("p3.challenges", "capacity"), ("p3.challenges", "resources")]


def test_answers_sent_after_the_session_ended_are_saved_once_signed_in_again(
        client, make_user, app):
    user = make_user("focal_point", "JPN")
    response = response_of("JPN")
    login(client, user)

    page = sent_after_idling(client, app, user, response, ANSWERS)
    assert page.status_code == 401
    text = page_text(page)
    assert "Your answers have not been saved yet" in text and "Sign in" in text
    html = page.get_data(as_text=True)
    assert "&lt;b onmouseover=" in html and "<b onmouseover" not in html  # inert text
    assert services.answer_values(response) == {}

    offered = sign_in_again(client, user.email, page)
    assert offered.status_code == 200
    assert "Save the answers you sent" in page_text(offered)
    assert services.answer_values(response) == {}  # nothing saved behind the user's back

    saved = press_save_my_answers(client, offered)
    assert saved.status_code == 302
    values = services.answer_values(response)
    assert values["p3.status"] == "partially"
    assert values["p3.measures"].splitlines() == WORDS.splitlines()  # its lines kept
    assert values["p3.authorities"] == HOSTILE
    assert values["p3.challenges"] == ["capacity", "resources"]  # every box ticked
    assert "Your answers are saved." in page_text(client.get(saved.headers["Location"]))


def test_a_wrong_password_keeps_the_answers_on_the_sign_in_page(client, make_user, app):
    user = make_user("focal_point", "JPN")
    response = response_of("JPN")
    login(client, user)
    page = sent_after_idling(client, app, user, response, ANSWERS)

    wrong = sign_in_again(client, user.email, page, password="not the password!")
    assert wrong.status_code == 200
    assert "The e-mail address or the password is not correct." in page_text(wrong)
    offered = sign_in_again(client, user.email, wrong)
    assert press_save_my_answers(client, offered).status_code == 302
    assert services.answer_values(response)["p3.authorities"] == HOSTILE


def test_a_colleagues_change_made_meanwhile_is_a_conflict_not_overwritten(
        client, make_user, app):
    user = make_user("focal_point", "JPN")
    colleague = make_user("contributor", "JPN")
    response = response_of("JPN")
    login(client, user)
    page = sent_after_idling(client, app, user, response, ANSWERS)
    save(response, colleague, p3__authorities="Office of the Attorney General")

    offered = sign_in_again(client, user.email, page)
    result = press_save_my_answers(client, offered)
    assert result.status_code == 200
    assert "Some answers were not saved" in page_text(result)
    values = services.answer_values(response)
    assert values["p3.authorities"] == "Office of the Attorney General"
    assert values["p3.status"] == "partially"  # answers without a conflict are saved


def test_someone_else_signing_in_does_not_get_the_answers(client, make_user, app):
    user = make_user("focal_point", "JPN")
    colleague = make_user("contributor", "JPN")
    response = response_of("JPN")
    login(client, user)
    page = sent_after_idling(client, app, user, response, ANSWERS)

    signed_in = sign_in_again(client, colleague.email, page)
    assert signed_in.status_code == 302  # the usual way in: nothing offered
    assert services.answer_values(response) == {}


def test_only_a_section_page_can_be_the_target(client, make_user, app):
    """The carried target comes from the browser: anything but a section page is ignored."""
    user = make_user("focal_point", "JPN")
    client.get("/login")
    for target in ("https://elsewhere.example/", "//elsewhere.example/x", "/logout",
                   "/admin/users/1/role"):
        signed_in = client.post("/login", data=_multi([
            ("email", user.email), ("password", PASSWORD), ("unsaved_target", target),
            ("unsaved_owner", str(user.id)), ("unsaved.p3.status", "fully")]))
        assert signed_in.status_code == 302, target
        client.post("/logout")


def test_a_post_after_signing_out_is_not_carried(client, make_user):
    user = make_user("focal_point", "JPN")
    response = response_of("JPN")
    login(client, user)
    client.post("/logout")
    page = client.post(f"/responses/{response.id}/sections/declaration",
                       data={"p3.status": "fully"})
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")


def opened_then_signed_in_again(client, url: str, *, opened_by, signed_in) -> str:
    """The section page as ``opened_by`` opened it; then signing out and ``signed_in``
    signing in on that computer (which renews the session's CSRF token)."""
    login(client, opened_by)
    opened = client.get(url).get_data(as_text=True)
    client.post("/logout")
    login(client, signed_in)
    return opened


def test_a_page_opened_before_signing_in_again_gives_its_answers_back_to_save(
        client, make_user):
    """Signing in renews the session's CSRF token, so a page opened before (in another tab,
    say) cannot save as it was: its answers come back in the form, unsaved, still based on
    the revisions the page was opened with."""
    user = make_user("focal_point", "JPN")
    colleague = make_user("contributor", "JPN")
    response = response_of("JPN")
    url = f"/responses/{response.id}/sections/declaration"
    opened = opened_then_signed_in_again(client, url, opened_by=user, signed_in=user)
    old_csrf = page_csrf_token(opened)
    bases = [(f"base.{k}", v) for k, v in tokens_on_page(opened).items()]

    page = client.post(url, csrf=False, data=_multi([
        ("csrf_token", old_csrf), ("opened_by", str(user.id)), *bases, *ANSWERS]))
    assert page.status_code == 400
    assert "Your answers have not been saved yet" in page_text(page)
    html = page.get_data(as_text=True)
    assert str(escape(WORDS.replace("\r\n", "\n"))) in html.replace("\r\n", "\n")
    assert "&lt;b onmouseover=" in html and "<b onmouseover" not in html  # inert text
    ticked = re.findall(r'<input [^>]*\bchecked\b[^>]*>', html)
    assert [t for t in ticked if 'value="resources"' in t]  # every box still ticked
    assert [t for t in ticked if 'value="capacity"' in t]
    assert [(f"base.{k}", v) for k, v in tokens_on_page(html).items()] == bases
    assert services.answer_values(response) == {}  # nothing saved by the refused post

    save(response, colleague, p3__authorities="Office of the Attorney General")
    saved_again = client.post(url, data=_multi([*bases, *ANSWERS]))
    assert "Some answers were not saved" in page_text(saved_again)  # the colleague's change
    values = services.answer_values(response)
    assert values["p3.authorities"] == "Office of the Attorney General"
    assert values["p3.measures"].splitlines() == WORDS.splitlines()


def test_a_section_post_without_a_session_still_gets_the_plain_refusal(client, make_user):
    """With no session at all (its cookie gone, or a post from another site, which the
    SameSite cookie never carries) nothing is shown back: it may not be the user's."""
    response = response_of("JPN")
    page = client.post(f"/responses/{response.id}/sections/declaration", csrf=False,
                       data=_multi(ANSWERS))
    assert page.status_code == 400
    assert "Back button" in page_text(page)
    assert "Two national workshops" not in page.get_data(as_text=True)


def test_a_page_opened_by_someone_else_is_not_shown_back(client, make_user):
    """A colleague's page left open on a shared computer, saved after another user signed in
    there: refused without showing its answers to the one now signed in."""
    user = make_user("focal_point", "JPN")
    colleague = make_user("contributor", "JPN")
    response = response_of("JPN")
    url = f"/responses/{response.id}/sections/declaration"
    opened = opened_then_signed_in_again(client, url, opened_by=colleague, signed_in=user)
    old_csrf = page_csrf_token(opened)
    assert f'name="opened_by" value="{colleague.id}"' in opened

    page = client.post(url, csrf=False, data=_multi([
        ("csrf_token", old_csrf), ("opened_by", str(colleague.id)), *ANSWERS]))
    assert page.status_code == 400
    assert "Back button" in page_text(page)
    assert "Two national workshops" not in page.get_data(as_text=True)
    assert services.answer_values(response) == {}
