"""Sign-in and password forms."""

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from survey.config import LANGUAGES
from survey.core.i18n import LANGUAGE_NAMES


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Keep me signed in on this computer"),
                            description=_l("Only on a computer that nobody else uses."))


def _new_password_field() -> PasswordField:
    return PasswordField(
        _l("New password"), validators=[DataRequired(), Length(max=256)],
        description=_l("At least 12 characters. A few unrelated words make a good password."),
        render_kw={"autocomplete": "new-password"})


def _repeat_password_field() -> PasswordField:
    return PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
        render_kw={"autocomplete": "new-password"})


# Each form makes its own fields: WTForms orders fields (and so the error summary) by when
# they were made, and the current password comes first on the page.
class SetPasswordForm(FlaskForm):
    password = _new_password_field()
    confirm = _repeat_password_field()


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=256)],
        render_kw={"autocomplete": "current-password"})
    password = _new_password_field()
    confirm = _repeat_password_field()


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username"})


def language_field(**kwargs) -> SelectField:
    """The language an invited person's mail is written in and their pages open in: one of
    the six, each named in itself; by default the inviter's own."""
    return SelectField(
        _l("Their language"),
        choices=[SelectChoice(code, LANGUAGE_NAMES[code], render_kw={"lang": code})
                 for code in LANGUAGES],
        default=lambda: str(get_locale() or "en"),
        description=_l("The invitation is written in it, and their pages open in it; they "
                       "can change it."), **kwargs)
