"""Every model, imported once so that the mappers and Alembic see the whole schema."""

from survey.auth.models import ContributorSection, LoginSession, Role, User
from survey.core.audit import AuditEvent
from survey.core.db import Base
from survey.cycles.models import CycleStatus, ReportingCycle
from survey.exports.models import ExportKind, StoredExport
from survey.questionnaires.models import (
    Paragraph,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    QuestionType,
    Section,
    SectionKind,
    VersionStatus,
)
from survey.reports.models import RenderedReport
from survey.responses.models import Answer, Response, ResponseStatus
from survey.states.models import ParticipantKind, RegionalGroup, State

__all__ = [
    "Answer", "AuditEvent", "Base", "ContributorSection", "CycleStatus", "ExportKind",
    "LoginSession", "Paragraph", "ParticipantKind", "Question", "QuestionType", "Questionnaire",
    "QuestionnaireVersion", "RegionalGroup", "RenderedReport", "ReportingCycle", "Response",
    "ResponseStatus", "Role", "Section", "SectionKind", "State", "StoredExport", "User",
    "VersionStatus",
]
