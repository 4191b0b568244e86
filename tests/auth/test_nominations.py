"""The secretariat checks each person a focal point nominates before that person is
invited (``NOMINATIONS_CHECKED``, on by default, as on UNODC's review platforms)."""

from __future__ import annotations

import dataclasses
import logging
import re

import sqlalchemy as sa

from survey.auth.models import Role, User
from survey.auth.services import user_by_email
from survey.core.audit import AuditEvent
from survey.core.db import db
from tests.conftest import PASSWORD, administrators, login, page_text, response_of


def nominate(client, response_id: int, email: str, name: str = "Ana Nominee",
             role: str = "contributor"):
    return client.post(f"/responses/{response_id}/team", data={
        "action": "invite", "role": role, "email": email, "display_name": name},
        follow_redirects=True)


def sign_in(client, user: User) -> None:
    client.post("/logout")
    login(client, user)


def actions(user: User) -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.object_type == "user", AuditEvent.object_id == str(user.id))
        .order_by(AuditEvent.id)))


def test_a_nominee_waits_for_the_secretariat_and_is_invited_once_approved(client, make_user,
                                                                           caplog):
    focal_point = make_user("focal_point", "KEN", name="Grace Focal")
    admin = make_user("admin")
    response = response_of("KEN")
    login(client, focal_point)
    page = nominate(client, response.id, "ana@example.org")
    text = page_text(page)
    assert "Ana Nominee has been nominated" in text
    assert "awaiting the secretariat's check" in text
    assert "/set-password/" not in page.get_data(as_text=True), "no link before the check"

    nominee = user_by_email("ana@example.org")
    assert nominee.nomination_pending and not nominee.is_active
    # Nothing lets the nominee in meanwhile: no reset link is made for the account (without
    # a mail server, a link made is written to the log).
    client.post("/logout")
    with caplog.at_level(logging.WARNING, logger="survey.auth.services"):
        forgot = client.post("/forgot-password", data={"email": "ana@example.org"})
    assert forgot.status_code in (200, 302)
    assert "/set-password/" not in caplog.text

    sign_in(client, admin)
    overview = client.get("/admin/")
    assert '<a href="/admin/users#nominations-heading"><strong>1 nomination awaiting your ' \
        'check</strong></a>' in overview.get_data(as_text=True)
    users = client.get("/admin/users")
    listed = page_text(users)
    assert "1 nomination awaiting your check" in listed
    assert "Ana Nominee ana@example.org contributor Kenya Grace Focal" in listed
    approved = client.post(f"/admin/users/{nominee.id}/nomination",
                           data={"decision": "approve"})
    assert approved.status_code == 200
    link = re.search(r'value="(http[^"]+/set-password/[^"]+)"', approved.get_data(as_text=True))
    assert link, "no mail server: the link is shown to the administrator"
    db.session.refresh(nominee)
    assert nominee.is_active and not nominee.nomination_pending
    assert "nomination awaiting" not in page_text(client.get("/admin/users"))
    assert actions(nominee) == ["user.created", "user.nominated", "user.nomination_approved",
                                "user.invited"]

    client.post("/logout")
    path = "/" + link.group(1).split("://", 1)[1].split("/", 1)[1]
    chosen = client.post(path, data={"password": PASSWORD, "confirm": PASSWORD})
    assert chosen.status_code == 302
    assert "Ana Nominee" in page_text(client.get("/", follow_redirects=True))


def test_a_declined_nominee_stays_out_and_may_be_nominated_again(client, make_user):
    focal_point = make_user("focal_point", "KEN")
    admin = make_user("admin")
    response = response_of("KEN")
    login(client, focal_point)
    nominate(client, response.id, "bo@example.org", name="Bo")
    nominee = user_by_email("bo@example.org")

    sign_in(client, admin)
    declined = client.post(f"/admin/users/{nominee.id}/nomination",
                           data={"decision": "decline"}, follow_redirects=True)
    assert "The nomination of Bo has been declined" in page_text(declined)
    db.session.refresh(nominee)
    assert not nominee.is_active and not nominee.nomination_pending
    again = client.post(f"/admin/users/{nominee.id}/nomination", data={"decision": "approve"},
                        follow_redirects=True)
    assert "already been decided" in page_text(again)
    db.session.refresh(nominee)
    assert not nominee.is_active, "a declined nomination is not approved afterwards"

    sign_in(client, focal_point)
    team = page_text(client.get(f"/responses/{response.id}/team"))
    assert "Bo bo@example.org not active" in team
    renominated = nominate(client, response.id, "bo@example.org", name="Bo Second",
                           role="observer")
    assert "Bo Second has been nominated" in page_text(renominated)
    db.session.refresh(nominee)
    assert nominee.nomination_pending and nominee.role.value == "observer"
    assert actions(nominee)[-2:] == ["user.nomination_declined", "user.nominated"]


def test_an_account_someone_used_is_not_nominated_again(client, make_user):
    """Only a never-used inactive account of the State can be nominated again; any other
    address that has an account is refused, next to the field, with what was typed kept."""
    focal_point = make_user("focal_point", "KEN")
    other_state = make_user("observer", "UGA", email="taken@example.org")
    login(client, focal_point)
    refused = nominate(client, response_of("KEN").id, "taken@example.org", name="Eve Typed",
                       role="observer")
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert re.search(r'<p class="error-message" id="invite-email-error">\s*<span>An account '
                     r'with this e-mail address already exists', html)
    assert 'value="Eve Typed"' in html and 'value="taken@example.org"' in html
    assert re.search(r'<input checked id="invite-role-1" name="role" type="radio" '
                     r'value="observer">', html)
    db.session.refresh(other_state)
    assert other_state.state.code == "UGA" and not other_state.nomination_pending


def test_a_nomination_is_not_deactivated_or_reactivated_around_the_check(client, make_user):
    focal_point = make_user("focal_point", "KEN")
    admin = make_user("admin")
    login(client, focal_point)
    nominate(client, response_of("KEN").id, "cy@example.org", name="Cy")
    nominee = user_by_email("cy@example.org")
    sign_in(client, admin)
    page = page_text(client.get(f"/admin/users/{nominee.id}"))
    assert "awaiting your check" in page and "Approve and invite" in page
    tried = client.post(f"/admin/users/{nominee.id}/active", data={"active": "yes"},
                        follow_redirects=True)
    assert "Approve or decline this nomination first" in page_text(tried)
    db.session.refresh(nominee)
    assert not nominee.is_active and nominee.nomination_pending


def test_where_nominations_are_not_checked_the_focal_points_invitation_goes_at_once(
        app, client, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "SURVEY", dataclasses.replace(
        app.config["SURVEY"], NOMINATIONS_CHECKED=False))
    focal_point = make_user("focal_point", "KEN")
    login(client, focal_point)
    page = nominate(client, response_of("KEN").id, "di@example.org", name="Di")
    assert "/set-password/" in page.get_data(as_text=True)
    assert "Send the invitation" in page_text(page)
    invited = user_by_email("di@example.org")
    assert invited.is_active and not invited.nomination_pending


def test_the_secretariat_is_mailed_each_nomination_in_its_own_language(
        client, make_user, mailbox):
    english, french, retired = administrators(make_user)
    focal_point = make_user("focal_point", "KEN", name="Grace Focal")
    db.session.commit()
    login(client, focal_point)
    nominate(client, response_of("KEN").id, "ana@example.org")
    nominee = user_by_email("ana@example.org")

    mails = {mail.to[0]: mail for mail in mailbox.mails}
    active = set(db.session.scalars(sa.select(User.email).where(
        User.role == Role.ADMIN, User.is_active.is_(True))))
    assert {english.email, french.email} <= active and retired.email not in active
    assert set(mails) == active, "every active administrator, and only them"
    assert mails[english.email].subject == "Nomination to check: Ana Nominee (Kenya)"
    body = mails[english.email].body
    assert "Grace Focal, focal point, nominated Ana Nominee (ana@example.org), contributor" \
        in body
    assert f"https://kyoto.example.org/admin/users/{nominee.id}" in body
    assert mails[french.email].subject.startswith("Proposition à vérifier")
    assert "/set-password/" not in body, "no link that would let the nominee in"
