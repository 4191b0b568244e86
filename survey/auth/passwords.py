"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _
from zxcvbn.frequency_lists import FREQUENCY_LISTS

# OWASP's recommended argon2id parameters: 19 MiB, 2 iterations, 1 lane.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)

# A hash to verify against when the account does not exist, so that a login for an
# unknown address takes as long as one for a known address.
_DUMMY_HASH = _hasher.hash("not a real password, only for constant-time login")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


@cache
def _common_passwords() -> frozenset[str]:
    # The 30,000 most common passwords of public breach corpora, shipped with zxcvbn.
    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problems(password: str, *, min_length: int, email: str = "",
                      name: str = "") -> list[str]:
    """What is wrong with a new password, as messages for the user (empty when fine)."""
    problems = []
    if len(password) < min_length:
        problems.append(_("Use at least %(n)d characters.", n=min_length))
    if len(password) > 256:
        problems.append(_("Use at most 256 characters."))
    lowered = password.lower()
    if lowered in _common_passwords() or lowered.strip("0123456789!?.") in _common_passwords():
        problems.append(_("This password is too common; choose one that is hard to guess."))
    local_part = email.split("@")[0].lower()
    if (local_part and len(local_part) >= 4 and local_part in lowered) or (
            name and len(name) >= 4 and name.lower() in lowered):
        problems.append(_("Do not use your name or e-mail address in your password."))
    if len(set(password)) < 5:
        problems.append(_("Use more different characters."))
    return problems
