"""Signed, expiring, single-use links for invitations and password resets.

A link carries a fingerprint of the user's password hash. Setting a password changes the
hash, so a link works once; nothing needs to be stored to remember that it was used.

An administrator may make a new link for an account whose link expired or was lost
(:data:`LINK_MADE`, audited). The lost link may be in other hands, so the new one replaces every
earlier link: from then on the fingerprint also names that audit event.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from enum import Enum

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from survey.auth.models import User
from survey.core.audit import AuditEvent
from survey.core.db import db

# The audit action of a link an administrator made; each one replaces the earlier links.
LINK_MADE = "user.link_made"


class LinkPurpose(Enum):
    INVITATION = "invitation"
    PASSWORD_RESET = "password-reset"  # noqa: S105 (a purpose, not a password)


class LinkError(Exception):
    """The link is invalid, expired or already used; ``reason`` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _serializer(purpose: LinkPurpose) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"survey-{purpose.value}")


def _fingerprint(user: User) -> str:
    basis = user.password_hash or "no password yet"
    replacing = db.session.scalar(sa.select(sa.func.max(AuditEvent.id)).where(
        AuditEvent.object_type == "user", AuditEvent.object_id == str(user.id),
        AuditEvent.action == LINK_MADE))
    if replacing is not None:
        # Only then: links made before any administrator's link keep working as they were.
        basis += f":{replacing}"
    return hashlib.sha256(basis.encode()).hexdigest()[:20]


def max_age(purpose: LinkPurpose) -> timedelta:
    settings = current_app.config["SURVEY"]
    if purpose is LinkPurpose.INVITATION:
        return timedelta(days=settings.INVITATION_DAYS)
    return timedelta(hours=settings.PASSWORD_RESET_HOURS)


def make_token(user: User, purpose: LinkPurpose) -> str:
    return _serializer(purpose).dumps({"user": user.id, "fp": _fingerprint(user)})


def read_token(token: str, purpose: LinkPurpose) -> User:
    """The user a valid link is for.

    :raises LinkError: with reason ``"expired"``, ``"used"`` or ``"invalid"``
    """
    try:
        payload = _serializer(purpose).loads(
            token, max_age=int(max_age(purpose).total_seconds()))
    except SignatureExpired:
        raise LinkError("expired") from None
    except BadSignature:
        raise LinkError("invalid") from None
    user = db.session.get(User, payload.get("user"))
    if user is None or not user.is_active:
        raise LinkError("invalid")
    if not hmac.compare_digest(payload.get("fp", ""), _fingerprint(user)):
        raise LinkError("used")
    return user
