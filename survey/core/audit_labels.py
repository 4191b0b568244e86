"""What people read for each action of the audit trail, translated.

Events store a code (``"response.submitted"``): the pages that list events (the secretariat's
and a State's dashboard) show this label, and the audit trail shows the code beside it too,
since the code is what one searches for.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from survey.auth.tokens import LINK_MADE

ACTION_LABELS = {
    "answer.saved": _l("Answer saved"),
    "answer.restored": _l("Earlier answer restored"),
    "response.started": _l("Response started"),
    "response.submitted": _l("Response submitted"),
    "response.returned": _l("Response returned for revision"),
    "response.accepted": _l("Response accepted"),
    "response.deadline_extended": _l("Deadline for the State changed"),
    "response.answers_flagged": _l("Answers flagged for review after a questionnaire change"),
    "response.workbook_uploaded": _l("Answers uploaded from a workbook"),
    "response.reminded": _l("Reminder mailed to the State's focal points"),
    "cycle.created": _l("Reporting cycle created"),
    "cycle.updated": _l("Reporting cycle's name or dates changed"),
    "cycle.opened": _l("Reporting cycle opened"),
    "cycle.closed": _l("Reporting cycle closed"),
    "cycle.version_changed": _l("Reporting cycle moved to another questionnaire version"),
    "cycle.reminded": _l("Reminders mailed to the States still to finish"),
    "questionnaire_version.imported": _l("Questionnaire imported"),
    "questionnaire_version.drafted": _l("Draft version made"),
    "questionnaire_version.discarded": _l("Draft version discarded"),
    "questionnaire_version.published": _l("Version published"),
    "question.added": _l("Question added"),
    "question.updated": _l("Question changed"),
    "question.deleted": _l("Question removed"),
    "question.moved": _l("Question moved"),
    "paragraph.updated": _l("Paragraph changed"),
    "section.renamed": _l("Section renamed"),
    "state.added": _l("Participant added"),
    "user.created": _l("Account created"),
    "user.invited": _l("Invited"),
    "user.nominated": _l("Nominated by a focal point"),
    "user.nomination_approved": _l("Nomination approved"),
    "user.nomination_declined": _l("Nomination declined"),
    LINK_MADE: _l("New link to choose a password made by the secretariat"),
    "user.password_reset_requested": _l("Password reset asked for"),
    "user.password_set": _l("Password set"),
    "user.role_changed": _l("Role changed"),
    "user.sections_assigned": _l("Sections assigned"),
    "user.activated": _l("Account reactivated"),
    "user.deactivated": _l("Account deactivated"),
    "user.signed_in": _l("Signed in"),
    "user.signed_out": _l("Signed out"),
}


def action_label(code: str) -> str:
    """The action's label in the interface language; the code itself for an action this
    list does not know (rather than nothing)."""
    text = ACTION_LABELS.get(code)
    return str(text) if text is not None else code
