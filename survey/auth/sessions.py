"""Login sessions kept in the database, so that every app server agrees on who is signed
in, idle sessions end, and logging out ends the session everywhere."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import (
    Flask,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, login_user, logout_user
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from survey.auth.forms import LoginForm
from survey.auth.models import LoginSession, User
from survey.auth.unsaved import from_ended_session
from survey.core.db import db, utcnow

# Refresh last_seen_at at most this often, so page views do not each write.
_TOUCH_EVERY = timedelta(minutes=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User, *, remember: bool = False) -> LoginSession:
    """Sign ``user`` in: a new session token, replacing whatever the cookie held."""
    token = secrets.token_urlsafe(32)
    login_session = LoginSession(
        token_hash=_hash(token), user=user, remember=remember,
        user_agent=(request.user_agent.string or "")[:200])
    db.session.add(login_session)
    session.clear()  # nothing from before the login survives it
    _forget_csrf_token()
    session.permanent = True
    session["login_token"] = token
    login_user(user)
    user.last_login_at = utcnow()
    return login_session


def end_session() -> None:
    """Sign out of this browser."""
    login_session = g.pop("login_session", None)
    if login_session is not None:
        login_session.revoked_at = utcnow()
    logout_user()
    session.clear()
    _forget_csrf_token()


def _forget_csrf_token() -> None:
    # Flask-WTF keeps the request's token in g once made (the sign-in form made one): a page
    # rendered after the session changed must carry the new session's token, not that one.
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)


def end_all_sessions(user: User, *, keep_current: bool = False) -> None:
    """Sign ``user`` out everywhere (deactivation, password change)."""
    query = sa.update(LoginSession).where(
        LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
    current = g.get("login_session")
    if keep_current and current is not None:
        query = query.where(LoginSession.id != current.id)
    db.session.execute(query.values(revoked_at=utcnow()))


def _idle_limit(login_session: LoginSession) -> timedelta:
    settings = current_app.config["SURVEY"]
    if login_session.remember:
        return timedelta(days=settings.REMEMBER_DAYS)
    return timedelta(minutes=settings.SESSION_IDLE_MINUTES)


def load_user(user_id: str) -> User | None:
    token = session.get("login_token")
    if not token:
        return None
    # The user's State is loaded only where a page shows it (its id is on the user); a
    # contributor's sections come in the same query (every edit checks them).
    user_loader = joinedload(LoginSession.user)
    login_session = db.session.scalars(
        sa.select(LoginSession).where(LoginSession.token_hash == _hash(token))
        .options(user_loader.lazyload(User.state),
                 user_loader.joinedload(User.assigned_sections))).unique().one_or_none()
    if login_session is None or login_session.revoked_at is not None:
        return None
    user = login_session.user
    now = utcnow()
    if str(user.id) != user_id or not user.is_active \
            or now - login_session.last_seen_at > _idle_limit(login_session):
        return None
    if now - login_session.last_seen_at > _TOUCH_EVERY:
        _record_activity(login_session, now)
    g.login_session = login_session
    return user


def _record_activity(login_session: LoginSession, now: datetime) -> None:
    """Move the session's idle clock, in a short transaction of its own.

    A page view reads in a transaction that takes no write lock (SQLite); writing within it
    would fail when another request wrote meanwhile. So the read ends first, the update
    commits at once, and a busy database only means the clock moves on the next request.
    """
    db.session.commit()  # nothing else is pending: the user is loaded first
    try:
        db.session.execute(sa.update(LoginSession).where(LoginSession.id == login_session.id)
                           .values(last_seen_at=now).execution_options(synchronize_session=False))
        db.session.commit()
    except sa.exc.OperationalError:
        db.session.rollback()
        current_app.logger.info("session activity not recorded: the database is busy")
        return
    set_committed_value(login_session, "last_seen_at", now)


def init_app(app: Flask, login_manager: LoginManager) -> None:
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"
    # Our own session tokens replace Flask-Login's remember cookie and its checks.
    login_manager.session_protection = None

    @login_manager.unauthorized_handler
    def unauthorized():
        # Scripts (autosave) get a 401 they can act on; people get the sign-in page.
        from survey.core.errors import wants_json

        if wants_json():
            return jsonify(error=str(_l("You have been signed out.")), signed_out=True), 401
        unsaved = from_ended_session()
        if unsaved is not None:
            # Answers sent without JavaScript after the session ended: not lost, carried
            # through the sign-in form (see auth.unsaved).
            return render_template("auth/login.html", form=LoginForm(formdata=None),
                                   unsaved=unsaved), 401
        flash(login_manager.login_message, login_manager.login_message_category)
        return redirect(url_for(login_manager.login_view, next=request.full_path.rstrip("?")))
