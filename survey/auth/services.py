"""Accounts: creating and inviting users, passwords, roles, deactivation.

Services add and flush; the caller's unit of work commits.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import smtplib
from dataclasses import dataclass

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from survey.auth import passwords
from survey.auth.models import ContributorSection, Role, User
from survey.auth.sessions import end_all_sessions
from survey.auth.tokens import LINK_MADE, LinkPurpose, make_token, max_age
from survey.core.audit import record_event
from survey.core.db import db, utcnow
from survey.core.errors import DomainError
from survey.core.labels import label
from survey.core.mail import mail_configured, send_mail, tell_each
from survey.core.text import clean_name
from survey.core.urls import external_url
from survey.states.models import State
from survey.states.services import state_name

log = logging.getLogger(__name__)


def normalize_email(email: str) -> str:
    """The address as we store it, or DomainError if it is not an address."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise DomainError(_("Enter a valid e-mail address."), field="email") from None


DISPLAY_NAME_MAX = 200


def clean_display_name(name: str) -> str:
    """A display name as we store it.

    :raises DomainError: it is too long
    """
    name = clean_name(name)
    if len(name) > DISPLAY_NAME_MAX:
        raise DomainError(_("Use at most %(n)d characters for the name.", n=DISPLAY_NAME_MAX),
                          field="display_name")
    return name


def user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))


def _user_snapshot(user: User) -> dict:
    return {"email": user.email, "display_name": user.display_name, "role": user.role.value,
            "state": user.state.code if user.state else None, "is_active": user.is_active,
            "nomination_pending": user.nomination_pending, "locale": user.locale}


def create_user(email: str, display_name: str, role: Role, state: State | None, *,
                actor: User | None, password: str | None = None,
                locale: str | None = None) -> User:
    """Create an account; without a password, the user sets one through an invitation.

    ``locale``: the language their mail is written in and their pages open in (None: the
    language of the page they use, each time).

    :raises DomainError: address invalid or taken, or the role and State do not match
    """
    email = normalize_email(email)
    display_name = clean_display_name(display_name)
    if role is Role.ADMIN and state is not None:
        raise DomainError(_("Administrators belong to the secretariat, not to a State."),
                          field="state")
    if role is not Role.ADMIN and state is None:
        raise DomainError(_("Choose the State this user answers for."), field="state")
    if user_by_email(email) is not None:
        raise DomainError(_("An account with this e-mail address already exists."),
                          field="email")
    user = User(email=email, display_name=display_name or email, role=role,
                state=state, invited_by=actor, locale=locale)
    if password is not None:
        _set_password_hash(user, password)
    db.session.add(user)
    db.session.flush()
    record_event("user.created", "user", user.id, actor=actor,
                 state_id=state.id if state else None, after=_user_snapshot(user))
    return user


def new_password_problems(user: User, password: str) -> list[str]:
    """What is wrong with ``password`` as the user's new password (empty when fine): the
    policy, and not the password they have now (the first administrator's one-time
    password, printed on the console, must really be replaced)."""
    settings = current_app.config["SURVEY"]
    problems = passwords.password_problems(
        password, min_length=settings.PASSWORD_MIN_LENGTH, email=user.email,
        name=user.display_name)
    if user.password_hash and passwords.verify_password(user.password_hash, password):
        problems.append(_("Choose a password other than your current one."))
    return problems


def _set_password_hash(user: User, password: str) -> None:
    problems = new_password_problems(user, password)
    if problems:
        raise DomainError(" ".join(problems))
    user.password_hash = passwords.hash_password(password)
    user.password_changed_at = utcnow()
    user.must_change_password = False


def set_password(user: User, password: str, *, actor: User | None) -> None:
    """Set a new password and sign the user out of every other session.

    :raises DomainError: the password breaks the policy (the message says how)
    """
    _set_password_hash(user, password)
    end_all_sessions(user, keep_current=actor is user)
    record_event("user.password_set", "user", user.id, actor=actor, state_id=user.state_id)


def create_first_admin(email: str = "admin@localhost") -> tuple[User, str] | None:
    """The first administrator, with a one-time password to change at first login;
    None when an administrator exists already."""
    if db.session.scalar(sa.select(sa.func.count()).where(User.role == Role.ADMIN)):
        return None
    password = secrets.token_urlsafe(12)
    user = User(email=email.strip().lower(), display_name="Administrator", role=Role.ADMIN,
                password_hash=passwords.hash_password(password), must_change_password=True)
    db.session.add(user)
    db.session.flush()
    record_event("user.created", "user", user.id, after=_user_snapshot(user))
    return user, password


def authenticate(email: str, password: str) -> User | None:
    """The active user with this address and password, else None (same time either way)."""
    user = user_by_email(email)
    valid = passwords.verify_password(user.password_hash if user else None, password)
    if user is None or not valid or not user.is_active:
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return user


@dataclass
class DeliveredLink:
    url: str
    mailed: bool


def send_link(user: User, purpose: LinkPurpose) -> DeliveredLink:
    """Send an invitation or password-reset link: by mail where SMTP is configured,
    otherwise (or if the mail fails) the caller shows it and it is written to the log."""
    url = external_url("auth.set_password", token=make_token(user, purpose))
    days = max(1, max_age(purpose).days)
    # In the person's own language where it is known, not in the sender's.
    with force_locale(user.locale) if user.locale else contextlib.nullcontext():
        if purpose is LinkPurpose.INVITATION:
            subject = _("Invitation: Kyoto Declaration national self-assessment")
            body = _(
                "You have been invited to take part in the national self-assessment of the "
                "implementation of the Kyoto Declaration.\n\nChoose your password here (the "
                "link works once and expires in %(days)d days):\n%(url)s\n", days=days, url=url)
        else:
            subject = _("Reset your password: Kyoto Declaration self-assessment")
            hours = int(max_age(purpose).total_seconds() // 3600)
            body = _(
                "Someone asked to reset the password of your account. If it was you, choose a "
                "new password here (the link works once and expires in %(hours)d hours):\n"
                "%(url)s\n\nIf it was not you, ignore this message.", hours=hours, url=url)
    if mail_configured():
        try:
            send_mail(user.email, subject, body)
            return DeliveredLink(url=url, mailed=True)
        except (smtplib.SMTPException, OSError):
            log.exception("could not mail the %s link for user %s", purpose.value, user.id)
    log.warning("%s link for %s (no mail sent): %s", purpose.value, user.email, url)
    return DeliveredLink(url=url, mailed=False)


def make_new_link(user: User, *, actor: User) -> tuple[LinkPurpose, DeliveredLink]:
    """An administrator's new link for an account whose link expired or was lost: an
    invitation while the account has no password, else a password reset. Every earlier link
    of the account stops working (``tokens.LINK_MADE``). The link is sent as
    :func:`send_link` sends it: by mail where a mail server is configured, otherwise returned
    for the administrator to pass on.

    :raises DomainError: the actor is not an administrator, the account is deactivated, or
        it is a nomination awaiting a check
    """
    if not actor.is_admin:
        raise DomainError(_("Only the secretariat makes links for other people."))
    if user.nomination_pending:
        raise DomainError(_("Approve or decline this nomination first."))
    if not user.is_active:
        raise DomainError(_("Reactivate the account first: a deactivated account cannot use "
                            "a link."))
    purpose = (LinkPurpose.INVITATION if user.password_hash is None
               else LinkPurpose.PASSWORD_RESET)
    # Recorded before the link is made: the new link's fingerprint names this event.
    record_event(LINK_MADE, "user", user.id, actor=actor, state_id=user.state_id,
                 after={"purpose": purpose.value})
    return purpose, send_link(user, purpose)


def invite_user(email: str, display_name: str, role: Role, state: State | None, *,
                actor: User, locale: str | None = None) -> tuple[User, DeliveredLink | None]:
    """Create an account and send its invitation; or, where the secretariat checks
    nominations (``NOMINATIONS_CHECKED``) and a focal point invites, create it inactive as a
    nomination, with no link (None) until an administrator approves it. The invitation is
    written in ``locale`` (see :func:`create_user`).

    :raises DomainError: as :func:`create_user`, or the inviter may not give this role
    """
    # A focal point invites people of their own State, never focal points or admins.
    if not actor.is_admin and (role not in (Role.CONTRIBUTOR, Role.OBSERVER)
                               or state is None or state.id != actor.state_id):
        raise DomainError(_("You can invite contributors and observers of your State only."),
                          field="role")
    nominating = not actor.is_admin and current_app.config["SURVEY"].NOMINATIONS_CHECKED
    unused = user_by_email(email) if nominating else None
    if unused is not None and unused.state_id == actor.state_id and not unused.is_active \
            and unused.password_hash is None and not unused.nomination_pending:
        # An account of this State never used and inactive (a declined nomination, say):
        # nominated again, for the secretariat to check again.
        before = _user_snapshot(unused)
        unused.role, unused.invited_by = role, actor
        unused.locale = locale or unused.locale
        unused.display_name = clean_display_name(display_name) or unused.email
        unused.nomination_pending = True
        record_event("user.nominated", "user", unused.id, actor=actor,
                     state_id=unused.state_id, before=before, after=_user_snapshot(unused))
        _tell_the_secretariat(unused, actor)
        return unused, None
    user = create_user(email, display_name, role, state, actor=actor, locale=locale)
    if nominating:
        before = _user_snapshot(user)
        user.is_active, user.nomination_pending = False, True
        record_event("user.nominated", "user", user.id, actor=actor, state_id=user.state_id,
                     before=before, after=_user_snapshot(user))
        _tell_the_secretariat(user, actor)
        return user, None
    record_event("user.invited", "user", user.id, actor=actor, state_id=user.state_id)
    return user, send_link(user, LinkPurpose.INVITATION)


def _tell_the_secretariat(nominee: User, nominator: User) -> None:
    """Mail each active administrator that a nomination awaits their check. Without mail,
    or if it fails, the nomination stands, listed on the Users page and the overview."""
    url = external_url("admin.user", user_id=nominee.id)

    def compose(_administrator: User) -> tuple[str, str]:
        state = state_name(nominee.state) if nominee.state else ""
        subject = _("Nomination to check: %(name)s (%(state)s)",
                    name=nominee.display_name, state=state)
        body = _("%(focal_point)s, focal point, nominated %(name)s (%(email)s), "
                 "%(role)s, to work on the self-assessment (State: %(state)s).\n\n"
                 "Approve or decline the nomination here:\n%(url)s\n",
                 focal_point=nominator.display_name, name=nominee.display_name,
                 email=nominee.email, role=label(nominee.role), state=state, url=url)
        return subject, body

    tell_each(active_administrators(), compose, about=f"nomination {nominee.id}")


def active_administrators() -> list[User]:
    return list(db.session.scalars(sa.select(User).where(
        User.role == Role.ADMIN, User.is_active.is_(True)).order_by(User.id)))


def approve_nomination(user: User, *, actor: User) -> DeliveredLink:
    """The secretariat accepts a focal point's nomination: the account becomes active and
    its invitation is sent (or returned for the administrator to pass on).

    :raises DomainError: the account is not a nomination awaiting a check
    """
    _awaiting_check(user)
    before = _user_snapshot(user)
    user.is_active, user.nomination_pending = True, False
    record_event("user.nomination_approved", "user", user.id, actor=actor,
                 state_id=user.state_id, before=before, after=_user_snapshot(user))
    record_event("user.invited", "user", user.id, actor=actor, state_id=user.state_id)
    return send_link(user, LinkPurpose.INVITATION)


def decline_nomination(user: User, *, actor: User) -> None:
    """The secretariat refuses a nomination: the account stays inactive, no invitation is
    sent, and the trail keeps who was nominated, by whom, and who declined. The focal point
    may nominate the address again (:func:`invite_user`), for another check.

    :raises DomainError: the account is not a nomination awaiting a check
    """
    _awaiting_check(user)
    before = _user_snapshot(user)
    user.nomination_pending = False
    record_event("user.nomination_declined", "user", user.id, actor=actor,
                 state_id=user.state_id, before=before, after=_user_snapshot(user))


def _awaiting_check(user: User) -> None:
    if not user.nomination_pending:
        raise DomainError(_("This nomination has already been decided."))


def change_role(user: User, role: Role, state: State | None, *, actor: User) -> None:
    """:raises DomainError: one's own role, the role and State do not match, or it is the
        last admin"""
    # Another administrator decides: nobody gives themselves rights, or takes their own away
    # by a slip of the list.
    if user.id == actor.id:
        raise DomainError(_("You cannot change your own role: ask another administrator."),
                          field="role")
    if role is Role.ADMIN and state is not None:
        raise DomainError(_("Administrators belong to the secretariat, not to a State."),
                          field="state")
    if role is not Role.ADMIN and state is None:
        raise DomainError(_("Choose the State this user answers for."), field="state")
    if user.role is Role.ADMIN and role is not Role.ADMIN:
        _keep_one_admin(user)
    before = _user_snapshot(user)
    states_shown = {user.state_id, state.id if state else None} - {None}
    user.role, user.state = role, state
    if states_shown:
        _count_as_change_to_responses(states_shown)
    if role is not Role.CONTRIBUTOR:
        db.session.execute(sa.delete(ContributorSection).where(
            ContributorSection.user_id == user.id))
        db.session.expire(user, ["assigned_sections"])
    end_all_sessions(user)  # the new rights apply from the next sign-in
    db.session.flush()
    record_event("user.role_changed", "user", user.id, actor=actor,
                 state_id=user.state_id, before=before, after=_user_snapshot(user))


def _count_as_change_to_responses(state_ids: set[int]) -> None:
    """A report names the people who wrote it, with their roles: a new role is a change to
    the responses of the States concerned, so that no stored report shows the old one."""
    from survey.responses.models import Response  # responses build on accounts, not back

    db.session.execute(sa.update(Response).where(Response.state_id.in_(state_ids))
                       .values(revision=Response.revision + 1)
                       .execution_options(synchronize_session=False))


def set_active(user: User, active: bool, *, actor: User) -> None:
    """Deactivate (sign out everywhere, refuse logins) or reactivate a user. Their
    answers and audit trail stay.

    :raises DomainError: deactivating oneself or the last administrator, or a nomination
        (approve or decline it instead)
    """
    if user.nomination_pending:
        raise DomainError(_("Approve or decline this nomination first."))
    if not active:
        if user.id == actor.id:
            raise DomainError(_("You cannot deactivate your own account."))
        if user.role is Role.ADMIN:
            _keep_one_admin(user)
        end_all_sessions(user)
    before = _user_snapshot(user)
    user.is_active = active
    record_event("user.activated" if active else "user.deactivated", "user", user.id,
                 actor=actor, state_id=user.state_id, before=before, after=_user_snapshot(user))


def _keep_one_admin(user: User) -> None:
    others = db.session.scalar(sa.select(sa.func.count()).where(
        User.role == Role.ADMIN, User.is_active.is_(True), User.id != user.id))
    if not others:
        raise DomainError(_("There must remain at least one active administrator."))
