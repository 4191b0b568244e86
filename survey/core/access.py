"""Who may do what with a State's data, decided in one place.

Every view that touches a State's response loads it through :func:`response_or_404`:
a user of another State gets 404 (nothing about another State leaks, not even that the
response exists); a user of the right State without the permission gets 403.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps
from typing import Any

import sqlalchemy as sa
from flask import abort
from flask_login import current_user, login_required

from survey.auth.models import Role, User
from survey.core.db import db
from survey.responses.models import Response


class Permission(enum.Enum):
    VIEW = "view"  # read the answers and the report
    EDIT = "edit"  # change answers (in the sections one may edit)
    SUBMIT = "submit"  # sign off and submit
    MANAGE_TEAM = "manage_team"  # invite contributors and observers, assign sections
    REVIEW = "review"  # accept or return a submission (the secretariat)


_ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset({Permission.VIEW, Permission.REVIEW}),
    Role.FOCAL_POINT: frozenset({Permission.VIEW, Permission.EDIT, Permission.SUBMIT,
                                 Permission.MANAGE_TEAM}),
    Role.CONTRIBUTOR: frozenset({Permission.VIEW, Permission.EDIT}),
    Role.OBSERVER: frozenset({Permission.VIEW}),
}


def same_state(user: User, response: Response) -> bool:
    return user.is_admin or user.state_id == response.state_id


def has_permission(user: User, permission: Permission) -> bool:
    return permission in _ROLE_PERMISSIONS[user.role]


def editable_section_keys(user: User) -> frozenset[str] | None:
    """The sections a contributor was assigned; None means every section."""
    if user.role is not Role.CONTRIBUTOR:
        return None
    return frozenset(s.section_key for s in user.assigned_sections) or None


def may_edit_section(user: User, section_key: str, parent_key: str | None = None) -> bool:
    """Whether the user's role lets them edit this section (not whether it is locked)."""
    if not has_permission(user, Permission.EDIT):
        return False
    allowed = editable_section_keys(user)
    return allowed is None or section_key in allowed or (parent_key is not None
                                                          and parent_key in allowed)


def response_or_404(response_id: int, permission: Permission = Permission.VIEW) -> Response:
    """The response, if the current user may see it and has ``permission`` on it.

    Another State's response is a 404, a missing permission within the State a 403.
    """
    response = db.session.get(Response, response_id)
    if response is None or not same_state(current_user, response):
        abort(404)
    if not has_permission(current_user, permission):
        abort(403)
    return response


def scoped_responses(user: User) -> sa.Select:
    """A query of the responses the user may see: their State's, or all for the secretariat."""
    query = sa.select(Response)
    if not user.is_admin:
        query = query.where(Response.state_id == user.state_id)
    return query


def admin_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Only the secretariat (others: 403)."""

    @wraps(view)
    @login_required
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapper
