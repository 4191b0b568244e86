"""Signed, expiring, single-use links for invitations and password resets.

A link carries a fingerprint of the user's password hash. Setting a password changes the
hash, so a link works once; nothing needs to be stored to remember that it was used.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from enum import Enum

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from survey.auth.models import User
from survey.core.db import db


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
    return hashlib.sha256((user.password_hash or "no password yet").encode()).hexdigest()[:20]


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
