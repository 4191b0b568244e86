"""Sign in, sign out, invitations and passwords."""

from __future__ import annotations

from flask import (
    Blueprint,
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
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from werkzeug import Response

from survey.auth import passwords, services
from survey.auth.forms import ChangePasswordForm, ForgotPasswordForm, LoginForm, SetPasswordForm
from survey.auth.models import User
from survey.auth.sessions import end_session, start_session
from survey.auth.tokens import LinkError, LinkPurpose, read_token
from survey.auth.unsaved import from_sign_in_form
from survey.core.audit import record_event
from survey.core.errors import DomainError
from survey.core.mail import mail_configured
from survey.core.urls import local_path
from survey.extensions import limiter

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["SURVEY"].LOGIN_RATE_LIMIT


def _reset_limit() -> str:
    return current_app.config["SURVEY"].RESET_RATE_LIMIT


def _account_key() -> str:
    return "account:" + request.form.get("email", "").strip().lower()


def _failed(response: Response) -> bool:
    # Only failed attempts count towards the limits: a successful sign-in redirects.
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(_login_limit, methods=["POST"], key_func=_account_key, deduct_when=_failed)
def login() -> Response | str:
    """Sign in with e-mail and password."""
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    form = LoginForm()
    # Answers sent after the session ended, carried by the form (see auth.unsaved).
    unsaved = from_sign_in_form(request.form) if request.method == "POST" else None
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            next_url = local_path(request.args.get("next"))
            start_session(user, remember=form.remember.data)
            record_event("user.signed_in", "user", user.id, actor=user, state_id=user.state_id)
            if user.must_change_password:
                flash(_("Choose your own password before you continue."), "info")
                return redirect(url_for("auth.change_password"))
            if unsaved is not None and unsaved.owner == str(user.id):
                # Offered back only to the person who sent them: a colleague signing in
                # on the same computer does not see them, nor save them in their name.
                return render_template("auth/unsaved_post.html", unsaved=unsaved)
            return redirect(next_url or url_for("core.index"))
        # One message whether the address is unknown, the password wrong or the account
        # inactive: the form must not tell who has an account.
        form.password.errors.append(_("The e-mail address or the password is not correct."))
    return render_template("auth/login.html", form=form, unsaved=unsaved)


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    """Sign out of this browser."""
    if current_user.is_authenticated:
        record_event("user.signed_out", "user", current_user.id, actor=current_user,
                     state_id=current_user.state_id)
    end_session()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/session/csrf-token")
@login_required
def csrf_token() -> Response:
    """The session's current CSRF token and whose session it is, as JSON."""
    # Signing in (in another tab, after the session ended) gives the session a new token:
    # a page still open asks for it rather than fail every save until reloaded. The user id
    # lets the page refuse to save one colleague's words under another's name.
    return jsonify(csrf_token=generate_csrf(), user_id=current_user.id)


@bp.route("/set-password/<token>", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def set_password(token: str) -> Response | str:
    """Choose a password from an invitation or a password-reset link."""
    user, purpose, problem = None, None, None
    for candidate in LinkPurpose:
        try:
            user, purpose = read_token(token, candidate), candidate
            break
        except LinkError as exc:
            # Report the most telling reason: expired or used beats a wrong purpose.
            if problem is None or exc.reason != "invalid":
                problem = exc.reason
    if user is None:
        status = 410 if problem in ("expired", "used") else 404
        return render_template("auth/link_problem.html", reason=problem), status
    # The page speaks the language the invitation was written in (see core.i18n).
    g.link_locale = user.locale
    form = SetPasswordForm()
    if _new_password_valid(form, user):
        try:
            services.set_password(user, form.password.data, actor=user)
        except DomainError as exc:
            form.password.errors.append(str(exc))
        else:
            if current_user.is_authenticated:
                end_session()
            start_session(user)
            flash(_("Your password is set. Welcome."), "success")
            return redirect(url_for("core.index"))
    return render_template("auth/set_password.html", form=form, user=user,
                           invitation=purpose is LinkPurpose.INVITATION)


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def forgot_password() -> Response | str:
    """Ask for a password-reset link."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = services.user_by_email(form.email.data)
        if user is not None and user.is_active:
            services.send_link(user, LinkPurpose.PASSWORD_RESET)
            record_event("user.password_reset_requested", "user", user.id,
                         state_id=user.state_id)
        else:
            # Spend the time a real request would, so timing does not reveal accounts.
            passwords.verify_password(None, form.email.data)
        # The same answer for every address, so the form does not tell who has an account.
        # Without a mail server the link reaches only the server's log: say so, and who can
        # make one (an administrator, on the account's page).
        if mail_configured():
            flash(_("If an account exists for this address, a link to reset its password is "
                    "on its way. Ask the secretariat if it does not arrive."), "info")
        else:
            flash(_("This site cannot send e-mail, so no link is on its way. Ask the "
                    "secretariat: they can make you a link to choose a new password."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form, mail=mail_configured())


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> Response | str:
    """Change one's own password."""
    form = ChangePasswordForm()
    if _new_password_valid(form, current_user):
        if not passwords.verify_password(current_user.password_hash, form.current_password.data):
            form.current_password.errors.append(_("This is not your current password."))
        else:
            try:
                services.set_password(current_user, form.password.data, actor=current_user)
            except DomainError as exc:
                form.password.errors.append(str(exc))
            else:
                # A new session id after a privilege-relevant change.
                remember = bool(getattr(g.get("login_session"), "remember", False))
                user = current_user._get_current_object()
                end_session()
                start_session(user, remember=remember)
                flash(_("Your password has been changed."), "success")
                return redirect(url_for("core.index"))
    return render_template("auth/change_password.html", form=form)


def _new_password_valid(form: SetPasswordForm | ChangePasswordForm, user: User) -> bool:
    """Validate a posted password form, with every problem of the new password next to it
    at once (its length and the like, even when the repeat differs), not one per attempt."""
    valid = form.validate_on_submit()
    if form.is_submitted() and form.password.data and not form.password.errors:
        problems = services.new_password_problems(user, form.password.data)
        form.password.errors = list(problems)
        valid = valid and not problems
    return valid


@bp.before_app_request
def require_own_password() -> Response | None:
    """The one-time password of the first administrator only opens the password page."""
    if current_user.is_authenticated and current_user.must_change_password \
            and request.endpoint not in ("auth.change_password", "auth.logout", "static"):
        return redirect(url_for("auth.change_password"))
    return None


@bp.route("/language", methods=["POST"])
def set_language() -> Response:
    """Choose the interface language."""
    from survey.config import LANGUAGES

    locale = request.form.get("locale")
    if locale in LANGUAGES:
        session["locale"] = locale
        if current_user.is_authenticated:
            current_user.locale = locale
    return redirect(local_path(request.form.get("next")) or url_for("core.index"))
