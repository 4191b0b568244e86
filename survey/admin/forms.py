"""The secretariat's forms. Cross-field checks live here; business rules in the services."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    Field,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from survey.auth.forms import language_field
from survey.auth.models import Role
from survey.core.labels import label
from survey.questionnaires.models import Question, QuestionType
from survey.responses.models import ResponseStatus
from survey.states.models import ParticipantKind, RegionalGroup
from survey.states.services import alphabetical_key, state_name


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SearchForm(FlaskForm):
    """A filter form sent by GET: no CSRF token (it changes nothing), no ``csrf_token``
    parameter in the address."""

    class Meta:
        csrf = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from flask import request

        super().__init__(*args, formdata=request.args, **kwargs)


def options(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """Choices for a select field from (value, label) pairs."""
    return [SelectChoice(value, label_text) for value, label_text in pairs]


def named_options(pairs: Iterable[tuple[Any, str]]) -> list[SelectChoice]:
    """Choices labelled with names people typed (a cycle's name): each option takes its
    direction from its own text, so "reporting cycle 2026" reads forwards on an Arabic page."""
    return [SelectChoice(value, name, render_kw={"dir": "auto"}) for value, name in pairs]


def state_choices(states: Iterable[Any]) -> list[tuple[str, str]]:
    """(code, name in the interface language) of each State, in alphabetical order."""
    return sorted(((s.code, state_name(s)) for s in states),
                  key=lambda choice: alphabetical_key(choice[1]))


def enum_choices(enum_class: Iterable[Any], blank: Any = None) -> list[SelectChoice]:
    choices = [("", blank)] if blank is not None else []
    return options(choices + [(member.value, label(member)) for member in enum_class])


# --- the overview ---------------------------------------------------------------------------

class OverviewFilterForm(SearchForm):
    cycle = SelectField(_l("Reporting cycle"), coerce=int, validators=[Optional()])
    status = SelectField(_l("Status"), validators=[Optional()])
    group = SelectField(_l("Regional group"), validators=[Optional()])
    focal_point = SelectField(_l("Focal point"), choices=options([
        ("", _l("With or without")), ("with", _l("With an active focal point")),
        ("without", _l("Without an active focal point"))]), validators=[Optional()])
    sort = SelectField(_l("Sort by"), default="name", choices=options([
        ("name", _l("State")), ("code", _l("Code")), ("group", _l("Regional group")),
        ("status", _l("Status")), ("progress", _l("Progress")),
        ("activity", _l("Last activity"))]), validators=[Optional()])
    order = SelectField(_l("Order"), default="asc", choices=options([
        ("asc", _l("Ascending")), ("desc", _l("Descending"))]), validators=[Optional()])

    def __init__(self, cycles: Iterable[Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cycle.choices = named_options((c.id, c.name) for c in cycles)
        self.status.choices = enum_choices(ResponseStatus, _l("Any status"))
        self.group.choices = enum_choices(RegionalGroup, _l("Any group"))


# --- questionnaire editing ------------------------------------------------------------------

_OPTION_VALUE = re.compile(r"[^a-z0-9]+")


def option_value_from(label_text: str) -> str:
    """An option value made from its label: "Not yet" -> "not_yet"."""
    return _OPTION_VALUE.sub("_", label_text.lower()).strip("_")


def parse_options(text: str) -> list[dict[str, str]]:
    """Options written one a line as ``value | label`` (or a label alone)."""
    options = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        value, bar, option_label = line.partition("|")
        if not bar:
            value, option_label = option_value_from(line), line
        options.append({"value": value.strip(), "label": option_label.strip()})
    return options


def options_text(options: Iterable[dict[str, str]]) -> str:
    return "\n".join(f"{o['value']} | {o['label']}" for o in options)


class QuestionForm(FlaskForm):
    """A question of a draft; its condition may name an earlier choice question of the same
    paragraph (``sources``)."""

    key = StringField(
        _l("Key"), validators=[DataRequired(), Length(max=100)],
        description=_l("Never changes once the question exists: answers are stored by it. "
                       "Lowercase letters, digits and underscores, in parts separated by dots, "
                       "e.g. p22.budget."))
    type = SelectField(_l("Type"), choices=enum_choices(QuestionType))
    label = TextAreaField(_l("Question"), validators=[DataRequired(), Length(max=2000)],
                          render_kw={"rows": 3})
    help = TextAreaField(_l("Help text"), validators=[Length(max=5000)], render_kw={"rows": 3},
                         description=_l("Shown under the question."))
    required = BooleanField(_l("Required before the response can be submitted"))
    options = TextAreaField(
        _l("Options"), render_kw={"rows": 8, "class": "monospace"},
        description=_l("For choice questions: one option a line, written “value | label”, "
                       "e.g. “not_yet | Not yet implemented”. Without a value one is made from "
                       "the label. Removing an option flags the answers that chose it for the "
                       "States to review."))
    condition = CheckboxesField(
        _l("Ask only when"), choices=[], validate_choice=True,
        description=_l("Tick the answers of one earlier question of this paragraph that make "
                       "this question appear (and, if it is required, required). None ticked: "
                       "always asked."))
    max_length = IntegerField(_l("Maximum length (characters)"),
                              validators=[Optional(), NumberRange(min=1, max=200_000)],
                              description=_l("For text questions only; empty for no limit."))

    def __init__(self, *args: Any, sources: Iterable[Question] = (), adding: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sources = [q for q in sources if q.type.is_choice]
        self.condition.choices = options((f"{q.key}={o['value']}", o["label"])
                                         for q in self.sources for o in q.options)
        if not adding:
            del self.key

    @classmethod
    def from_question(cls, question: Question, **kwargs: Any) -> QuestionForm:
        condition = question.condition or {}
        return cls(
            type=question.type.value, label=question.label, help=question.help,
            required=question.required, options=options_text(question.options),
            condition=[f"{condition['question']}={v}" for v in condition.get("in", [])],
            max_length=question.max_length, **kwargs)

    def validate_condition(self, field: Field) -> None:
        if len({choice.partition("=")[0] for choice in field.data or []}) > 1:
            raise ValidationError(_l("Tick the answers of one question only."))

    def spec(self) -> dict[str, Any]:
        """The question definition the form describes (checked by the service)."""
        chosen = self.condition.data or []
        condition = None
        if chosen:
            source = chosen[0].partition("=")[0]
            condition = {"question": source, "in": [c.partition("=")[2] for c in chosen]}
        spec = {
            "type": self.type.data, "label": self.label.data or "", "help": self.help.data or "",
            "required": bool(self.required.data), "options": parse_options(self.options.data),
            "condition": condition, "max_length": self.max_length.data,
        }
        if self.key is not None:
            spec["key"] = (self.key.data or "").strip()
        return spec

    def condition_groups(self) -> list[tuple[Question, list[Any]]]:
        """The condition's checkboxes grouped by the question they answer, for the page."""
        boxes = list(self.condition)
        groups = []
        for question in self.sources:
            prefix = question.key + "="
            groups.append((question, [b for b in boxes if b.data.startswith(prefix)]))
        return groups


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class MoveForm(FlaskForm):
    direction = HiddenField(validators=[DataRequired(), Regexp("^(up|down)$")])


class ParagraphForm(FlaskForm):
    actionable = BooleanField(_l("The paragraph commits States to act"))
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)],
                           render_kw={"rows": 3},
                           description=_l("Why it does or does not, for other administrators."))
    remove_questions = BooleanField(
        _l("Also remove its questions"),
        description=_l("Only when it does not commit States to act. Answers already given are "
                       "kept, read-only, and still exported."))


class SectionTitleForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=500)])


class PublishForm(FlaskForm):
    change_note = TextAreaField(
        _l("What changed"), validators=[Length(max=5000)], render_kw={"rows": 4},
        description=_l("A short note for the secretariat's records."))
    cycles = CheckboxesField(_l("Move these reporting cycles to the new version"), coerce=int,
                             choices=[])
    confirm = BooleanField(_l("I have read the changes above; publish this version"),
                           validators=[DataRequired(_l("Confirm that you have read the changes."))])


# --- cycles ---------------------------------------------------------------------------------

class _CycleDates(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)],
                       description=_l("e.g. 2026 reporting cycle"))
    opens_on = DateField(_l("Opens on"), validators=[InputRequired()])
    closes_on = DateField(_l("Deadline"), validators=[InputRequired()],
                          description=_l("The date States are asked to submit by. Editing "
                                         "stays open after it until you close the cycle, "
                                         "as late reports are still taken."))

    def validate_closes_on(self, field: Field) -> None:
        if self.opens_on.data and field.data and field.data < self.opens_on.data:
            raise ValidationError(_l("The deadline must not be before the opening date."))


class CycleForm(_CycleDates):
    slug = StringField(
        _l("Short name"), validators=[DataRequired(), Length(max=64),
                                      Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$", message=_l(
                                          "Lowercase letters and digits, in parts separated "
                                          "by hyphens."))],
        description=_l("Used in file names, e.g. 2026. Cannot be changed later."))
    version = SelectField(_l("Questionnaire version"), coerce=int, choices=[])


class CycleEditForm(_CycleDates):
    pass


class CloseCycleForm(FlaskForm):
    # Closing locks every State at once: a box to tick, so that one stray click does not do
    # it. Its label says how many States it locks: set by the view.
    confirm = BooleanField(
        validators=[DataRequired(_l("Tick the box to confirm that you close the cycle."))])


class RemindForm(FlaskForm):
    # A mail to every State still to finish: a box to tick first. Its label says how many
    # States: set by the view.
    confirm = BooleanField(
        validators=[DataRequired(_l("Tick the box to confirm that you send the reminders."))])


class CycleVersionForm(FlaskForm):
    version = SelectField(_l("Questionnaire version"), coerce=int, choices=[])
    confirm = BooleanField(_l("Move the cycle to this version"),
                           validators=[DataRequired(_l("Confirm the move."))])


# --- review ---------------------------------------------------------------------------------

class AcceptForm(FlaskForm):
    # Accepting is final: a box to tick, so that one stray click does not do it.
    confirm = BooleanField(
        _l("I have read the response and accept it as final"),
        validators=[DataRequired(_l("Tick the box to confirm that you accept the response."))])


class ReturnForm(FlaskForm):
    comment = TextAreaField(
        _l("Comment for the State"), validators=[DataRequired(), Length(max=10_000)],
        render_kw={"rows": 5},
        description=_l("Say what the State should revise; the focal point sees this comment."))
    # Shown once the cycle has closed for the State: without a later deadline, it could
    # read the comment but not revise a thing.
    revise_until = DateField(
        _l("The State may revise until"), validators=[Optional()],
        description=_l("The reporting cycle is closed: the State can revise its answers only "
                       "until the day you give here."))


class DeadlineForm(FlaskForm):
    extended_until = DateField(
        _l("Extended deadline"), validators=[Optional()],
        description=_l("The State may edit until this day even after the cycle closes. "
                       "Empty: no extension."))


# --- States and users -----------------------------------------------------------------------

class ParticipantForm(FlaskForm):
    code = SelectField(_l("Country or territory"), choices=[], validators=[DataRequired()],
                       description=_l("From ISO 3166-1; those taking part already are not "
                                      "listed."))
    kind = SelectField(_l("Kind of participant"),
                       choices=enum_choices([ParticipantKind.OBSERVER_STATE,
                                             ParticipantKind.OTHER,
                                             ParticipantKind.MEMBER_STATE]),
                       default=ParticipantKind.OBSERVER_STATE.value)
    regional_group = SelectField(_l("Regional group"), choices=enum_choices(RegionalGroup),
                                 default=RegionalGroup.NONE.value)
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)],
                       description=_l("Empty: the ISO name, e.g. “State of Palestine”."))


class StateFilterForm(SearchForm):
    q = StringField(_l("Name or code"), validators=[Optional(), Length(max=100)])
    group = SelectField(_l("Regional group"), validators=[Optional()],
                        choices=enum_choices(RegionalGroup, _l("Any group")))
    kind = SelectField(_l("Kind"), validators=[Optional()],
                       choices=enum_choices(ParticipantKind, _l("Any kind")))


# The State's roles first, by rights, the secretariat's last: a list read from the top offers
# the widest rights last, not first.
ROLE_ORDER = (Role.FOCAL_POINT, Role.CONTRIBUTOR, Role.OBSERVER, Role.ADMIN)


def _role_choices(blank: Any = None) -> list[SelectChoice]:
    return enum_choices(ROLE_ORDER, blank)


class UserFilterForm(SearchForm):
    q = StringField(_l("Name or e-mail address"), validators=[Optional(), Length(max=254)])
    state = SelectField(_l("State"), validators=[Optional()], choices=[])
    role = SelectField(_l("Role"), validators=[Optional()], choices=[])
    active = SelectField(_l("Accounts"), validators=[Optional()], choices=options([
        ("", _l("Active and deactivated")), ("yes", _l("Active")),
        ("no", _l("Deactivated"))]))

    def __init__(self, states: Iterable[Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.state.choices = options([("", _l("Any State")), *state_choices(states)])
        self.role.choices = _role_choices(_l("Any role"))


class _RoleAndState(FlaskForm):
    role = SelectField(_l("Role"), choices=[],
                       validators=[DataRequired(_l("Choose the role this person will have."))])
    # No Optional(): it would stop the check below for an empty State, the very case it is for.
    state = SelectField(_l("State"), choices=[],
                        description=_l("Every role but administrator answers for one State."))
    # The first option of the role list (None: the current role is chosen, no empty option).
    role_prompt: Any = None

    def __init__(self, states: Iterable[Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = _role_choices(self.role_prompt)
        self.state.choices = options([("", _l("— (the secretariat)")), *state_choices(states)])

    def validate_state(self, field: Field) -> None:
        if self.role.data not in {role.value for role in Role}:
            return  # the role's own error says what to do first
        if self.role.data == Role.ADMIN.value and field.data:
            raise ValidationError(_l("Administrators belong to the secretariat, not to a "
                                     "State."))
        if self.role.data != Role.ADMIN.value and not field.data:
            raise ValidationError(_l("Choose the State this user answers for."))


class InviteForm(_RoleAndState):
    # No role is chosen for the administrator: one who forgot to choose would otherwise give
    # whatever came first, the secretariat's full rights once.
    role_prompt = _l("Choose a role")

    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email(), Length(max=254)],
                       render_kw={"autocomplete": "off"})
    locale = language_field()


# The role, access and link forms share the user's page: each box has an id of its own.
class RoleForm(_RoleAndState):
    # A new role may be the secretariat's full rights: confirmed, not one stray click.
    confirm = BooleanField(
        _l("I understand that this person gets the rights of the role chosen and is signed "
           "out everywhere"), id="role-confirm",
        description=_l("An administrator sees and changes every State's answers, the "
                       "questionnaires and every account."),
        validators=[DataRequired(_l("Tick the box to confirm the change of role."))])


class ActiveForm(FlaskForm):
    active = HiddenField(validators=[DataRequired(), Regexp("^(yes|no)$")])
    # Deactivating shuts the person out at once: confirmed. Reactivating needs no box.
    confirm = BooleanField(_l("I understand that this person can no longer sign in"),
                           id="active-confirm")

    def validate_confirm(self, field: Field) -> None:
        if self.active.data == "no" and not field.data:
            raise ValidationError(_l("Tick the box to confirm that you deactivate the "
                                     "account."))


class LinkForm(FlaskForm):
    # A new link ends the earlier one, which the person may be about to use: confirmed.
    confirm = BooleanField(
        _l("I understand that any link made before for this person stops working"),
        id="link-confirm",
        validators=[DataRequired(_l("Tick the box to confirm that the earlier link may stop "
                                    "working."))])


class NominationForm(FlaskForm):
    decision = HiddenField(validators=[DataRequired(), Regexp("^(approve|decline)$")])


class AuditFilterForm(SearchForm):
    state = SelectField(_l("State"), validators=[Optional()], choices=[])
    # Any part of a name or address, as on the Users page: one rarely knows the exact address.
    user = StringField(_l("User (name or e-mail address)"),
                       validators=[Optional(), Length(max=254)])
    object_type = SelectField(_l("Object"), validators=[Optional()], choices=[])
    object_id = StringField(
        _l("Object id"), validators=[Optional(), Length(max=100)],
        description=_l("e.g. a question key (p22.status), a response number, a State code."))
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To"), validators=[Optional()])

    def __init__(self, states: Iterable[Any], object_types: Iterable[str], *args: Any,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.state.choices = options([("", _l("Any State")), *state_choices(states)])
        self.object_type.choices = options([("", _l("Any object"))] + [
            (t, t.replace("_", " ")) for t in object_types])

    def validate_until(self, field: Field) -> None:
        if self.since.data and field.data and field.data < self.since.data:
            raise ValidationError(_l("The end comes before the start."))
