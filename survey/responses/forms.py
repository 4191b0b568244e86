"""Section forms, built at run time from the questionnaire version's questions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    Field,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from survey.auth.forms import language_field
from survey.questionnaires.models import QuestionType
from survey.questionnaires.outline import QuestionItem
from survey.responses.services import InvalidAnswer, clean_value


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AnswerValidator:
    """The same rule the save service applies (survey.responses.services.clean_value)."""

    def __init__(self, question: QuestionItem) -> None:
        self.question = question

    def __call__(self, form: Any, field: Field) -> None:
        if self.question.is_choice:
            raw = field.data
        else:
            raw = field.raw_data[-1] if field.raw_data else None
        try:
            clean_value(self.question, raw)
        except InvalidAnswer as exc:
            raise ValidationError(str(exc)) from None


def field_id(key: str) -> str:
    """An HTML id for a question key (p22.status -> q-p22-status)."""
    return "q-" + key.replace(".", "-")


def _make_field(question: QuestionItem) -> Field:
    options = [SelectChoice(o.value, o.label) for o in question.options]
    kwargs: dict[str, Any] = {
        "label": question.label,
        "description": question.help,
        "validators": [AnswerValidator(question)],
        "id": field_id(question.key),
    }
    render_kw: dict[str, Any] = {}
    if question.max_length:
        # Not maxlength: the browser would cut a longer paste without a word. The save
        # refuses it with a message and keeps the text; the script counts as the user types.
        render_kw["data-max-length"] = question.max_length
    match question.type:
        case QuestionType.SINGLE_CHOICE:
            # validate_choice=False: AnswerValidator checks options with a clearer message.
            return RadioField(choices=options, validate_choice=False, **kwargs)
        case QuestionType.MULTIPLE_CHOICE:
            return CheckboxesField(choices=options, validate_choice=False, **kwargs)
        case QuestionType.LONG_TEXT:
            render_kw["rows"] = 6
            return TextAreaField(render_kw=render_kw, **kwargs)
        case QuestionType.EMAIL:
            return EmailField(render_kw={"autocomplete": "email", **render_kw}, **kwargs)
        case QuestionType.NUMBER:
            # Text with a numeric keyboard: an invalid entry stays visible to correct.
            return StringField(render_kw={"inputmode": "decimal", **render_kw}, **kwargs)
        case QuestionType.DATE:
            return StringField(render_kw={"type": "date", **render_kw}, **kwargs)
        case _:
            return StringField(render_kw=render_kw, **kwargs)


class SectionForm(FlaskForm):
    """The questions of one section page; fields, named by question key ("p22.status"),
    are added per questionnaire version."""


def section_form(questions: Iterable[QuestionItem], values: Mapping[str, Any],
                 formdata: Any = None) -> SectionForm:
    """A form for these questions, filled from ``values`` or from the posted ``formdata``."""
    questions = list(questions)
    form_class = type("SectionForm", (SectionForm,),
                      {q.key: _make_field(q) for q in questions})
    data = {q.key: _display_value(q, values.get(q.key)) for q in questions}
    return form_class(formdata=formdata, data=data)


def _display_value(question: QuestionItem, value: Any) -> Any:
    if value is None:
        return [] if question.type is QuestionType.MULTIPLE_CHOICE else ""
    if question.type is QuestionType.NUMBER:
        return str(value)
    return value


def submitted_value(question: QuestionItem, form: SectionForm) -> Any:
    """What the user entered for the question, unchanged (before cleaning)."""
    field = form[question.key]
    if question.type is QuestionType.MULTIPLE_CHOICE:
        return list(field.data or [])
    if question.type is QuestionType.SINGLE_CHOICE:
        return field.data or None
    return field.raw_data[-1] if field.raw_data else ""


class TeamInviteForm(FlaskForm):
    """A focal point invites (or nominates) a contributor or an observer of their State."""

    display_name = StringField(_l("Name"), id="invite-name",
                               validators=[DataRequired(), Length(max=200)],
                               render_kw={"autocomplete": "off"})
    email = EmailField(_l("E-mail address"), id="invite-email",
                       validators=[DataRequired(), Email(), Length(max=254)],
                       render_kw={"autocomplete": "off"})
    role = RadioField(_l("Role"), id="invite-role", default="contributor", choices=[
        SelectChoice("contributor", _l("Contributor — answers the sections you assign")),
        SelectChoice("observer", _l("Observer — reads only"))])
    locale = language_field(id="invite-locale")


class SignOffForm(FlaskForm):
    """The focal point signs off: who authorised the submission, and the confirmation."""

    authorised_by_name = StringField(
        _l("Name of the official who authorised the submission"),
        validators=[DataRequired(_l("Enter the name of the official who authorised it.")),
                    Length(max=200)],
        description=_l("The person authorised to submit this self-assessment for the "
                       "Government. It may be you."))
    authorised_by_title = StringField(
        _l("Their title or function"),
        validators=[DataRequired(_l("Enter their title or function.")), Length(max=200)],
        description=_l("For example: Minister of Justice; Director-General, Ministry of the "
                       "Interior; National focal point."))
    # Its label names the State: set by the view. No "required" attribute: Chromium would
    # answer with a pop-up of its own, in the browser's language.
    confirm = BooleanField(validators=[DataRequired(
        _l("Confirm that you sign off on behalf of your Government."))],
        render_kw={"required": False})


class WorkbookUploadForm(FlaskForm):
    """A workbook filled in offline (what it holds is checked when it is read)."""

    workbook = FileField(
        _l("Your filled-in workbook (.xlsx)"),
        validators=[FileRequired(_l("Choose the workbook to upload."))],
        render_kw={"accept": ".xlsx,application/vnd.openxmlformats-officedocument"
                             ".spreadsheetml.sheet"})
