"""Signing in and out: sessions that end, rotate and cannot be replayed, and messages that
do not tell who has an account."""

import re
from datetime import timedelta

import sqlalchemy as sa

from survey.auth.models import LoginSession
from survey.core.db import db
from survey.responses.models import Response
from tests.conftest import PASSWORD, login, page_text

WRONG = "The e-mail address or the password is not correct."


def test_sign_in_and_reach_the_dashboard(client, make_user):
    user = make_user("focal_point", "JPN")
    response = client.post("/login", data={"email": user.email.upper(), "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 302  # to the State's response
    db.session.refresh(user)
    assert user.last_login_at is not None


def test_the_same_message_for_unknown_address_wrong_password_and_inactive_account(
        client, make_user):
    user = make_user("observer", "FRA")
    inactive = make_user("contributor", "FRA")
    inactive.is_active = False
    db.session.commit()
    texts = []
    for email, password in [("nobody@example.org", PASSWORD), (user.email, "wrong password!"),
                            (inactive.email, PASSWORD)]:
        response = client.post("/login", data={"email": email, "password": password})
        assert response.status_code == 200
        text = page_text(response)
        assert WRONG in text
        texts.append(text.replace(email, "<email>"))
    assert texts[0] == texts[1] == texts[2]


def test_remember_me_is_off_by_default(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'name="remember"' in html
    assert "checked" not in html.split('name="remember"')[1].split(">")[0]


def test_login_is_rate_limited_per_client_and_per_account(client, make_user, app):
    user = make_user("observer", "DEU")
    for _ in range(10):
        response = client.post("/login", data={"email": user.email, "password": "nope nope"})
        assert response.status_code == 200
    blocked = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Too many attempts" in page_text(blocked)


def test_signing_in_replaces_the_session(client, make_user):
    user = make_user("focal_point", "JPN")
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    login(client, user)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["login_token"]


def test_logout_ends_the_session_even_for_a_copied_cookie(client, make_user):
    user = make_user("focal_point", "JPN")
    login(client, user)
    cookie = client.get_cookie("survey_session").value
    assert client.post("/logout").status_code == 302
    client.set_cookie("survey_session", cookie)  # replay the cookie from before the logout
    response = client.get("/dashboard")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert db.session.scalars(sa.select(LoginSession).where(
        LoginSession.user_id == user.id)).one().revoked_at is not None


def test_the_session_cookie_is_sent_only_when_the_session_changes(client, make_user):
    # On a slow line, each autosave's answer carries no cookie; sign-in and sign-out do.
    user = make_user("focal_point", "JPN")
    client.get("/login")
    signed_in = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert "survey_session=" in signed_in.headers.get("Set-Cookie", "")
    response_id = db.session.scalar(sa.select(Response.id).where(
        Response.state_id == user.state_id))
    saved = client.post(f"/responses/{response_id}/autosave", json={"changes": []})
    assert saved.status_code == 200 and "Set-Cookie" not in saved.headers
    assert "Set-Cookie" not in client.get("/dashboard").headers
    signed_out = client.post("/logout")
    assert "survey_session=" in signed_out.headers.get("Set-Cookie", "")


def test_an_idle_session_ends(client, make_user, app):
    user = make_user("focal_point", "JPN")
    login(client, user)
    idle = app.config["SURVEY"].SESSION_IDLE_MINUTES
    login_session = db.session.scalars(sa.select(LoginSession).where(
        LoginSession.user_id == user.id)).one()
    login_session.last_seen_at -= timedelta(minutes=idle + 1)
    db.session.commit()
    response = client.get("/dashboard")
    assert response.headers["Location"].startswith("/login")


def test_autosave_after_the_session_ended_gets_a_401_it_can_act_on(client):
    response = client.post("/responses/1/autosave", json={"changes": []},
                           headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.json["signed_out"] is True


def test_a_client_that_accepts_anything_is_sent_to_the_sign_in_page(client):
    response = client.get("/dashboard", headers={"Accept": "*/*"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_first_administrator_must_choose_a_password(client, app):
    from survey.auth.models import Role, User
    from survey.auth.services import create_first_admin

    # The session's database already has its first admin; make another one-time account.
    db.session.execute(sa.update(User).where(User.role == Role.ADMIN).values(role=Role.OBSERVER,
                       state_id=1))
    user, password = create_first_admin(email="first.admin@example.org")
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.headers["Location"] == "/account/password"
    assert client.get("/dashboard").headers["Location"] == "/account/password"
    # The one-time password was printed on the console: it cannot be kept.
    kept = client.post("/account/password", data={
        "current_password": password, "password": password, "confirm": password})
    assert kept.status_code == 200
    assert "Choose a password other than your current one." in page_text(kept)
    db.session.refresh(user)
    assert user.must_change_password
    response = client.post("/account/password", data={
        "current_password": password, "password": "a new and long passphrase",
        "confirm": "a new and long passphrase"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert not user.must_change_password


def test_weak_passwords_are_refused_with_the_reason(client, make_user):
    user = make_user("focal_point", "JPN")
    login(client, user)
    for weak, reason in [("short", "at least 12"), ("password1234", "too common"),
                         ("aaaaaaaaaaaaaaa", "more different")]:
        response = client.post("/account/password", data={
            "current_password": PASSWORD, "password": weak, "confirm": weak})
        assert response.status_code == 200
        assert reason in page_text(response)


def test_every_problem_of_a_new_password_is_shown_at_once(client, make_user):
    """A short password whose repeat differs is told both, not one per attempt."""
    user = make_user("focal_point", "JPN")
    login(client, user)
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "password": "short", "confirm": "shorter"})
    text = page_text(response)
    assert "The passwords differ." in text and "Use at least 12 characters." in text


def test_the_error_summary_lists_the_fields_in_the_pages_order(client, make_user):
    user = make_user("focal_point", "JPN")
    login(client, user)
    response = client.post("/account/password", data={
        "current_password": "", "password": "short", "confirm": "shorter"})
    html = response.get_data(as_text=True)
    summary = html[html.index('class="error-summary"'):]
    links = re.findall(r'href="#(current_password|password|confirm)"', summary)
    assert links[:3] == ["current_password", "password", "confirm"]
