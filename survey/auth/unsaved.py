"""A page of answers sent after its session ended (idle too long), without JavaScript.

The sign-in page it gets instead carries what was sent in hidden fields; once the same person
has signed in again, a page offers to send it again, now with the new session's CSRF token.
The answers still carry the revisions they were based on, so that a colleague's change made
meanwhile comes back as a conflict to resolve, never silently overwritten. (With JavaScript,
the page keeps its own copy and saves it after sign-in: see survey/static/js/answers.js.)
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app, request, session
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from survey.core.urls import local_path

# Posts whose fields are worth carrying through sign-in: the section pages' save.
RESUMABLE_ENDPOINTS = frozenset({"responses.section"})

# Names on the sign-in form: the carried fields keep their own names after the prefix.
FIELD_PREFIX = "unsaved."
TARGET = "unsaved_target"
OWNER = "unsaved_owner"


@dataclass(frozen=True)
class UnsavedPost:
    target: str  # the path the post was sent to, without the script root
    owner: str  # the id of the user whose session had ended
    fields: list[tuple[str, str]]  # every value, in order (a field may repeat)

    def sign_in_fields(self) -> list[tuple[str, str]]:
        """The hidden fields that carry it through the sign-in form (read back by
        :func:`from_sign_in_form`)."""
        return [(TARGET, self.target), (OWNER, self.owner),
                *((FIELD_PREFIX + name, value) for name, value in self.fields)]


def from_ended_session() -> UnsavedPost | None:
    """The current request's post, when its session has ended and it is worth carrying.

    Only a session that was signed in (Flask-Login's user id is still in the cookie) has
    anything to resume; signing out clears it, so a post after sign-out is not carried."""
    owner = session.get("_user_id")
    if request.method != "POST" or request.endpoint not in RESUMABLE_ENDPOINTS or not owner:
        return None
    fields = [(name, value) for name, values in request.form.lists()
              if name != "csrf_token" for value in values]
    return UnsavedPost(request.full_path.rstrip("?"), str(owner), fields)


def from_sign_in_form(form: MultiDict) -> UnsavedPost | None:
    """What the sign-in form carried, if anything, and only towards a resumable page."""
    target, owner = form.get(TARGET, ""), form.get(OWNER, "")
    if not owner or not _resumable(target):
        return None
    fields = [(name.removeprefix(FIELD_PREFIX), value)
              for name, values in form.lists() if name.startswith(FIELD_PREFIX)
              for value in values]
    return UnsavedPost(target, owner, fields)


def _resumable(target: str) -> bool:
    # A local path of this app's resumable pages: never another site, never another action.
    if local_path(target) is None:
        return False
    adapter = current_app.url_map.bind("localhost")
    try:
        endpoint, _ = adapter.match(urlsplit(target).path, method="POST")
    except HTTPException:
        return False
    return endpoint in RESUMABLE_ENDPOINTS
