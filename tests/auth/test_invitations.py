"""Invitations and password resets: signed links that work once and expire, by mail when a
mail server is configured (tested against a real SMTP server), on screen otherwise."""

import dataclasses
import re
import time

import pytest
import sqlalchemy as sa

from survey.auth.models import Role, User
from survey.auth.services import invite_user
from survey.auth.tokens import LinkPurpose, make_token
from survey.core.audit import AuditEvent
from survey.core.db import db
from tests.conftest import login, page_text, state_by_code

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
        client, make_user, mailbox):
    admin = make_user("admin")
    user, delivered = invite_user("mailed@example.org", "Mailed", Role.OBSERVER,
                                  state_by_code("CHL"), actor=admin)
    db.session.commit()
    assert delivered.mailed
    assert [mail.to for mail in mailbox.mails] == [["mailed@example.org"]]
    body = mailbox.mails[0].body
    link = re.search(r"https://kyoto\.example\.org/set-password/\S+", body).group(0)
    assert link == delivered.url
    assert set_password_via(client, link).status_code == 302

    client.post("/logout")
    client.post("/forgot-password", data={"email": "mailed@example.org"})
    assert len(mailbox.mails) == 2
    assert "reset" in mailbox.mails[1].subject.lower()
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


def link_on_page(page) -> str:
    return re.search(r'id="invitation-link" readonly value="([^"]+)"',
                     page.get_data(as_text=True)).group(1)


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def test_an_administrator_makes_a_new_invitation_and_the_earlier_one_stops_working(
        client, make_user):
    admin = make_user("admin")
    user, first = invite_user("lost.link@example.org", "Lost Link", Role.FOCAL_POINT,
                              state_by_code("KEN"), actor=admin)
    db.session.commit()
    login(client, admin)
    assert "Make a new invitation link" in page_text(client.get(f"/admin/users/{user.id}"))

    made = client.post(f"/admin/users/{user.id}/link", data={"confirm": "y"})
    assert made.status_code == 200
    text = page_text(made)
    assert "Invitation created for lost.link@example.org" in text  # shown once, here
    assert "Links made before this one no longer work." in text
    link = link_on_page(made)
    assert link != first.url
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "user.link_made")).one()
    assert (event.actor_id, event.object_id, event.after) == (
        admin.id, str(user.id), {"purpose": "invitation"})
    assert "New link to choose a password made by the secretariat" in page_text(
        client.get(f"/admin/users/{user.id}"))

    client.post("/logout")
    assert client.get(path_of(first.url)).status_code == 410  # the lost link no longer works
    assert set_password_via(client, link).status_code == 302
    assert client.get(path_of(link)).status_code == 410  # and the new one works once


def test_an_administrator_makes_a_password_reset_link(client, make_user):
    from survey.auth.services import authenticate, send_link
    from tests.conftest import PASSWORD

    admin = make_user("admin")
    user = make_user("observer", "PER")
    asked = send_link(user, LinkPurpose.PASSWORD_RESET)  # "Forgotten your password?"
    login(client, admin)
    assert "Make a password reset link" in page_text(client.get(f"/admin/users/{user.id}"))
    made = client.post(f"/admin/users/{user.id}/link", data={"confirm": "y"})
    assert made.status_code == 200
    assert f"Password reset link for {user.email}" in page_text(made)
    link = link_on_page(made)
    assert authenticate(user.email, PASSWORD) is not None  # the password works meanwhile

    client.post("/logout")
    assert client.get(path_of(asked.url)).status_code == 410
    assert set_password_via(client, link).status_code == 302
    assert authenticate(user.email, NEW_PASSWORD) is not None


def test_the_new_link_is_mailed_where_a_mail_server_is_configured(
        client, make_user, mailbox):
    admin = make_user("admin")
    user = make_user("contributor", "CHL")
    login(client, admin)
    made = client.post(f"/admin/users/{user.id}/link", data={"confirm": "y"},
                       follow_redirects=True)
    assert f"A new link has been sent to {user.email}." in page_text(made)
    assert 'id="invitation-link"' not in made.get_data(as_text=True)
    assert [mail.to for mail in mailbox.mails] == [[user.email]]


def test_no_link_for_a_deactivated_account_or_a_nomination(client, make_user):
    from survey.auth.services import set_active

    admin = make_user("admin")
    user = make_user("observer", "PER")
    set_active(user, False, actor=admin)
    nominee, _none = invite_user("nominee@example.org", "Nominee", Role.OBSERVER,
                                 state_by_code("PER"), actor=make_user("focal_point", "PER"))
    db.session.commit()
    login(client, admin)
    for account, problem in ((user, "Reactivate the account first"),
                             (nominee, "Approve or decline this nomination first.")):
        page = page_text(client.get(f"/admin/users/{account.id}"))
        assert "Make a new invitation link" not in page and "Make a password reset" not in page
        refused = client.post(f"/admin/users/{account.id}/link", data={"confirm": "y"},
                              follow_redirects=True)
        assert problem in page_text(refused)
    assert not db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "user.link_made"))


def test_without_a_mail_server_the_forgotten_password_page_says_whom_to_ask(
        client, make_user, app, monkeypatch):
    user = make_user("observer", "PER")
    page = page_text(client.get("/forgot-password"))
    assert "This site cannot send e-mail. Ask the secretariat" in page
    assert "Send the link" not in page
    answer = page_text(client.post("/forgot-password", data={"email": user.email},
                                   follow_redirects=True))
    assert "no link is on its way" in answer
    assert "a link to reset its password is on its way" not in answer

    monkeypatch.setitem(app.config, "SURVEY", dataclasses.replace(
        app.config["SURVEY"], SMTP_HOST="mail.invalid"))
    page = page_text(client.get("/forgot-password"))
    assert "Send the link" in page and "cannot send e-mail" not in page


def test_the_invitation_is_written_in_the_language_chosen_for_the_person(
        client, make_user, mailbox):
    """An English-speaking secretariat invites a French-speaking focal point: the mail, the
    page its link opens and the pages after sign-in are in French."""
    login(client, make_user("admin"))
    form = client.get("/admin/users/invite").get_data(as_text=True)
    choices = re.search(r'<select[^>]*id="locale".*?</select>', form, flags=re.S).group(0)
    assert '<option lang="fr" value="fr">Français</option>' in choices
    assert '<option lang="en" selected value="en">English</option>' in choices  # the inviter's

    client.post("/admin/users/invite", data={
        "display_name": "Camille Focal", "email": "camille@example.org",
        "role": "focal_point", "state": "SEN", "locale": "fr"})
    user = db.session.scalars(sa.select(User).where(User.email == "camille@example.org")).one()
    assert user.locale == "fr"
    mail = mailbox.mails[-1]
    assert "auto-évaluation nationale relative à la Déclaration de Kyoto" in mail.subject
    assert "Choisissez votre mot de passe" in mail.body
    link = re.search(r"https://kyoto\.example\.org/set-password/\S+", mail.body).group(0)

    client.post("/logout")
    page = client.get(path_of(link))  # a browser that asks for English
    assert '<html lang="fr"' in page.get_data(as_text=True)
    assert "Bienvenue, Camille Focal." in page_text(page)
    assert set_password_via(client, link).status_code == 302
    signed_in = client.get("/", follow_redirects=True)
    assert '<html lang="fr"' in signed_in.get_data(as_text=True)


def test_a_focal_point_chooses_the_language_of_the_person_they_invite(client, make_user):
    focal_point = make_user("focal_point", "ARG")
    login(client, focal_point)
    response_id = re.search(r"/responses/(\d+)", client.get("/dashboard").headers["Location"]) \
        .group(1)
    client.post(f"/responses/{response_id}/team", data={
        "action": "invite", "display_name": "Lucía Contributora", "email": "lucia@example.org",
        "role": "contributor", "locale": "es"})
    user = db.session.scalars(sa.select(User).where(User.email == "lucia@example.org")).one()
    assert user.locale == "es"
