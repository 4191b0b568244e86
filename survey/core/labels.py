"""What users read for each enum value, translated. Templates use ``label(value)``."""

from __future__ import annotations

import enum

from flask import Flask
from flask_babel import lazy_gettext as _l

from survey.auth.models import Role
from survey.cycles.models import CycleStatus
from survey.exports.models import ExportKind
from survey.questionnaires.models import QuestionType, SectionKind, VersionStatus
from survey.responses.models import ResponseStatus
from survey.states.models import ParticipantKind, RegionalGroup

LABELS: dict[enum.Enum, object] = {
    Role.ADMIN: _l("administrator"),
    Role.FOCAL_POINT: _l("national focal point"),
    Role.CONTRIBUTOR: _l("contributor"),
    Role.OBSERVER: _l("observer"),
    ResponseStatus.NOT_STARTED: _l("Not started"),
    ResponseStatus.IN_PROGRESS: _l("In progress"),
    ResponseStatus.SUBMITTED: _l("Submitted"),
    ResponseStatus.RETURNED: _l("Returned for revision"),
    ResponseStatus.ACCEPTED: _l("Accepted"),
    CycleStatus.PLANNED: _l("Planned"),
    CycleStatus.OPEN: _l("Open"),
    CycleStatus.CLOSED: _l("Closed"),
    VersionStatus.DRAFT: _l("Draft"),
    VersionStatus.PUBLISHED: _l("Published"),
    VersionStatus.RETIRED: _l("Retired"),
    SectionKind.GENERAL: _l("General information"),
    SectionKind.DECLARATION: _l("Commitments"),
    SectionKind.OPERATIVE: _l("Actions"),
    SectionKind.FOLLOW_UP: _l("Follow-up"),
    QuestionType.SINGLE_CHOICE: _l("Single choice"),
    QuestionType.MULTIPLE_CHOICE: _l("Multiple choice"),
    QuestionType.TEXT: _l("Short text"),
    QuestionType.LONG_TEXT: _l("Long text"),
    QuestionType.NUMBER: _l("Number"),
    QuestionType.DATE: _l("Date"),
    QuestionType.EMAIL: _l("E-mail address"),
    RegionalGroup.AFRICAN: _l("African States"),
    RegionalGroup.ASIA_PACIFIC: _l("Asia-Pacific States"),
    RegionalGroup.EASTERN_EUROPEAN: _l("Eastern European States"),
    RegionalGroup.LATIN_AMERICAN_CARIBBEAN: _l("Latin American and Caribbean States"),
    RegionalGroup.WESTERN_EUROPEAN_OTHERS: _l("Western European and other States"),
    RegionalGroup.NONE: _l("No regional group"),
    ParticipantKind.MEMBER_STATE: _l("Member State"),
    ParticipantKind.OBSERVER_STATE: _l("Non-member observer State"),
    ParticipantKind.OTHER: _l("Other participant"),
    ExportKind.XLSX: _l("All answers (Excel workbook: a sheet per section, States, questions)"),
    ExportKind.SYNTHESIS_FINAL: _l("Synthesis of the submitted responses (PDF)"),
    ExportKind.SYNTHESIS_ALL: _l("Synthesis of all responses, including those not yet "
                                 "submitted (PDF)"),
}


def label(value: enum.Enum | None) -> str:
    if value is None:
        return ""
    return str(LABELS.get(value, value.value))


def init_app(app: Flask) -> None:
    app.add_template_global(label)
