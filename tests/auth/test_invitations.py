"""Invitations and password resets: signed links that work once and expire, by mail when a
mail server is configured (tested against a real SMTP server), on screen otherwise."""

import dataclasses
import email
import email.policy
import re
import time

import pytest
import sqlalchemy as sa

from survey.auth.models import Role, User
from survey.auth.services import invite_user
from survey.auth.tokens import LinkPurpose, make_token
from survey.core.db import db
from tests.conftest import page_text, state_by_code

NEW_PASSWORD = "a long and memorable passphrase"


def set_password_via(client, url):
    path = url.split("://", 1)[1].split("/", 1)[1]
    return client.post("/" + path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})


def test_an_invitation_link_lets_the_user_choose_a_password_once(client, make_user):
    admin = make_user("admin")
    _user, delivered = invite_user("new.person@example.org", "New Person", Role.FOCAL_POINT,
                                  state_by_code("KEN"), actor=admin)
    db.session.commit()
    assert not delivered.mailed
    page = client.get("/" + delivered.url.split("/", 3)[3])
    assert page.status_code == 200
    assert ("You have been invited to the self-assessment as national focal point for Kenya."
            in page_text(page))
    assert set_password_via(client, delivered.url).status_code == 302
    assert client.get("/dashboard").status_code == 302  # signed in

    client.post("/logout")
    reused = set_password_via(client, delivered.url)
    assert reused.status_code == 410
    assert "already been used" in page_text(reused)


def test_an_expired_invitation_is_refused(client, make_user, app, monkeypatch):
    admin = make_user("admin")
    user, _ = invite_user("late@example.org", "Late", Role.CONTRIBUTOR, state_by_code("KEN"),
                          actor=admin)
    db.session.commit()
    eleven_days_ago = time.time() - 11 * 24 * 3600
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: eleven_days_ago)
    token = make_token(user, LinkPurpose.INVITATION)
    monkeypatch.undo()
    response = client.get(f"/set-password/{token}")
    assert response.status_code == 410
    assert "expired" in page_text(response)


def test_a_tampered_link_is_not_found(client):
    assert client.get("/set-password/not-a-token").status_code == 404


def test_a_focal_point_invites_only_contributors_and_observers_of_their_state(make_user):
    from survey.core.errors import DomainError

    focal_point = make_user("focal_point", "KEN")
    with pytest.raises(DomainError):
        invite_user("x@example.org", "X", Role.FOCAL_POINT, state_by_code("KEN"), actor=focal_point)
    with pytest.raises(DomainError):
        invite_user("y@example.org", "Y", Role.CONTRIBUTOR, state_by_code("UGA"), actor=focal_point)
    user, _ = invite_user("z@example.org", "Z", Role.OBSERVER, state_by_code("KEN"),
                          actor=focal_point)
    assert user.state.code == "KEN"


def test_forgotten_password_answers_the_same_for_every_address(client, make_user):
    user = make_user("observer", "PER")
    known = client.post("/forgot-password", data={"email": user.email}, follow_redirects=True)
    unknown = client.post("/forgot-password", data={"email": "nobody@example.org"},
                          follow_redirects=True)
    assert page_text(known) == page_text(unknown)


def test_invitations_and_resets_are_mailed_when_smtp_is_configured(
        client, make_user, app, smtp_server, monkeypatch):
    controller, inbox = smtp_server
    port = controller.port
    monkeypatch.setitem(app.config, "SURVEY", dataclasses.replace(
        app.config["SURVEY"], SMTP_HOST="127.0.0.1", SMTP_PORT=port,
        BASE_URL="https://kyoto.example.org"))
    admin = make_user("admin")
    user, delivered = invite_user("mailed@example.org", "Mailed", Role.OBSERVER,
                                  state_by_code("CHL"), actor=admin)
    db.session.commit()
    assert delivered.mailed
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message.rcpt_tos == ["mailed@example.org"]
    body = email.message_from_bytes(message.content, policy=email.policy.default).get_content()
    link = re.search(r"https://kyoto\.example\.org/set-password/\S+", body).group(0)
    assert link == delivered.url
    assert set_password_via(client, link).status_code == 302

    client.post("/logout")
    client.post("/forgot-password", data={"email": "mailed@example.org"})
    assert len(inbox.messages) == 2
    reset = email.message_from_bytes(inbox.messages[1].content, policy=email.policy.default)
    assert "reset" in reset["Subject"].lower()
    user = db.session.scalars(sa.select(User).where(User.email == "mailed@example.org")).one()
    assert user.password_hash


def test_names_lose_directional_overrides_and_keep_a_length_limit(make_user):
    from survey.auth.services import create_user
    from survey.core.errors import DomainError

    user = create_user("rtl@example.org", "  Evil\u202egnp.exe\u202c   Name ", Role.OBSERVER,
                       state_by_code("KEN"), actor=None)
    assert user.display_name == "Evilgnp.exe Name"
    with pytest.raises(DomainError, match="at most 200"):
        create_user("long@example.org", "n" * 201, Role.OBSERVER, state_by_code("KEN"),
                    actor=None)


def test_the_invitation_greets_the_user_in_their_language_in_whole_sentences(client, make_user):
    admin = make_user("admin")
    _user, delivered = invite_user("nouvelle@example.org", "Nouvelle Personne", Role.OBSERVER,
                                  state_by_code("FRA"), actor=admin)
    db.session.commit()
    page = client.get("/" + delivered.url.split("/", 3)[3], headers={"Accept-Language": "fr"})
    assert "Bienvenue, Nouvelle Personne." in page_text(page)
    assert "en qualité de" in page_text(page) and "(France)." in page_text(page)
