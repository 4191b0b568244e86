"""Editing a questionnaire: drafts, checked edits, the difference between versions."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from survey.core.audit import AuditEvent
from survey.core.db import db
from survey.core.errors import DomainError
from survey.questionnaires import editing
from survey.questionnaires.models import PublishedVersionError, Question, VersionStatus
from survey.questionnaires.outline import outline_of
from survey.questionnaires.services import export_definition, published_version


@pytest.fixture
def admin(make_user):
    return make_user("admin", None)


@pytest.fixture
def published(app):
    return published_version("kyoto-2021")


@pytest.fixture
def draft(published, admin):
    version = editing.new_draft_from(published, actor=admin)
    db.session.commit()
    return version


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def test_a_draft_is_a_copy_of_the_version_it_is_based_on(published, draft):
    assert draft.status is VersionStatus.DRAFT
    assert draft.based_on_id == published.id
    assert draft.number == published.number + 1
    old, new = export_definition(published), export_definition(draft)
    assert old == new
    assert not editing.diff_versions(published, draft)
    # Audited once, as what it is: a draft copied, not an import.
    assert [e.object_id for e in events("questionnaire_version.drafted")] == [str(draft.id)]
    assert str(draft.id) not in [e.object_id for e in events("questionnaire_version.imported")]


def test_only_one_draft_at_a_time(published, draft, admin):
    with pytest.raises(editing.DraftExists) as refused:
        editing.new_draft_from(published, actor=admin)
    assert refused.value.draft.id == draft.id


def test_editing_a_published_version_is_refused(published, admin):
    question = editing.question_by_key(published, "p22.status")
    with pytest.raises(DomainError, match="never changes"):
        editing.update_question(question, {"label": "Changed"}, actor=admin)
    with pytest.raises(DomainError):
        editing.delete_question(question, actor=admin)
    with pytest.raises(DomainError):
        editing.move_question(question, 1, actor=admin)
    with pytest.raises(DomainError):
        editing.rename_section(question.section, "Another title", actor=admin)
    with pytest.raises(DomainError):
        editing.set_paragraph_actionable(question.paragraph, False, "no", actor=admin)
    # And whatever code path tries, the model refuses to store it.
    question.label = "Changed behind the services' back"
    with pytest.raises(PublishedVersionError):
        db.session.flush()
    db.session.rollback()
    assert editing.question_by_key(published, "p22.status").label != "Changed"


def test_update_question_changes_wording_and_is_audited(draft, admin):
    question = editing.question_by_key(draft, "p22.examples")
    editing.update_question(question, {"label": "Give examples.", "help": "  Cases.  ",
                                       "required": True}, actor=admin)
    db.session.commit()
    item = outline_of(draft).questions_by_key["p22.examples"]
    assert (item.label, item.help, item.required) == ("Give examples.", "Cases.", True)
    [event] = events("question.updated")
    assert event.object_id == f"{draft.id}:p22.examples"
    assert event.after == {"label": "Give examples.", "help": "Cases.", "required": True}
    assert event.actor_id == admin.id


def test_invalid_question_errors_are_given_by_field(draft, admin):
    question = editing.question_by_key(draft, "p22.status")
    with pytest.raises(editing.InvalidEdit) as refused:
        editing.update_question(question, {
            "label": "", "options": [{"value": "Not A Value", "label": "x"},
                                     {"value": "ok", "label": "ok"}]}, actor=admin)
    errors = refused.value.field_errors
    assert "label" in errors
    assert any(message.startswith("line 1") for message in errors["options"])
    db.session.rollback()
    assert editing.question_by_key(draft, "p22.status").label != ""


def test_an_edit_that_breaks_another_question_is_rolled_back(draft, admin):
    # p22.measures is asked when p22.status is fully, largely or partially implemented.
    status = editing.question_by_key(draft, "p22.status")
    options = [o for o in status.options if o["value"] != "fully"]
    with pytest.raises(editing.InvalidEdit) as refused:
        editing.update_question(status, {"options": options}, actor=admin)
    assert any(e.startswith("p22.measures") and "'fully'" in e for e in refused.value.errors)
    db.session.commit()
    assert "fully" in editing.question_by_key(draft, "p22.status").option_values
    assert not events("question.updated")

    with pytest.raises(editing.InvalidEdit):
        editing.delete_question(editing.question_by_key(draft, "p22.status"), actor=admin)
    editing.move_question(editing.question_by_key(draft, "p22.measures"), -1, actor=admin)
    with pytest.raises(editing.InvalidEdit):  # the condition would point at a later question
        editing.move_question(editing.question_by_key(draft, "p22.measures"), -1, actor=admin)
    db.session.commit()
    assert [q.key for q in editing.siblings(editing.question_by_key(draft, "p22.status"))][:3] \
        == ["p22.status", "p22.measures", "p22.actions"]
    assert editing.question_by_key(draft, "p22.status") is not None


def test_add_move_and_delete_a_question(draft, admin):
    paragraph = editing.question_by_key(draft, "p22.status").paragraph
    before = [q.key for q in editing.siblings(paragraph)]
    editing.add_question(paragraph, {
        "key": "p22.budget", "type": "number", "label": "Annual budget (USD)",
        "condition": {"question": "p22.status", "in": ["fully"]}}, actor=admin)
    db.session.commit()
    assert [q.key for q in editing.siblings(paragraph)] == [*before, "p22.budget"]
    # Positions stay in reading order across the whole version.
    positions = db.session.execute(sa.select(Question.key).where(
        Question.version_id == draft.id).order_by(Question.position)).scalars().all()
    assert list(outline_of(draft).questions_by_key) == positions

    editing.move_question(editing.question_by_key(draft, "p22.budget"), -1, actor=admin)
    db.session.commit()
    assert [q.key for q in editing.siblings(paragraph)][-2:] == ["p22.budget", before[-1]]
    diff = editing.diff_versions(published_version("kyoto-2021"), draft)
    assert [q.key for q in diff.added] == ["p22.budget"]
    assert diff.reordered == ()  # the questions that were there keep their order

    with pytest.raises(editing.InvalidEdit) as refused:
        editing.add_question(paragraph, {"key": "p22.budget", "type": "text", "label": "Again"},
                             actor=admin)
    assert "key" in refused.value.field_errors

    editing.delete_question(editing.question_by_key(draft, "p22.budget"), actor=admin)
    db.session.commit()
    assert [q.key for q in editing.siblings(paragraph)] == before
    assert [e.action for e in db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.object_id == f"{draft.id}:p22.budget").order_by(AuditEvent.id))] == [
        "question.added", "question.moved", "question.deleted"]


def test_a_condition_must_name_an_earlier_choice_question(draft, admin):
    question = editing.question_by_key(draft, "p22.authorities")
    with pytest.raises(editing.InvalidEdit) as refused:
        editing.update_question(question, {"condition": {"question": "p22.examples",
                                                         "in": ["x"]}}, actor=admin)
    assert "condition" in refused.value.field_errors
    editing.update_question(question, {"required": True, "condition": {
        "question": "p22.status", "in": ["fully", "largely"]}}, actor=admin)
    db.session.commit()
    item = outline_of(draft).questions_by_key["p22.authorities"]
    assert item.is_required({"p22.status": "fully"})
    assert not item.is_required({"p22.status": "not_yet"})


def test_paragraph_and_section_edits(draft, admin):
    paragraph = editing.question_by_key(draft, "p22.status").paragraph
    editing.set_paragraph_actionable(paragraph, False, "Restates an obligation.", actor=admin,
                                     remove_questions=True)
    section = paragraph.section
    editing.rename_section(section, "A clearer title", actor=admin)
    db.session.commit()
    outline = outline_of(draft)
    item = outline.paragraphs_by_number[22]
    assert (item.actionable, item.actionable_reason, item.questions) == (
        False, "Restates an obligation.", ())
    assert outline.sections_by_key[section.key].title == "A clearer title"

    diff = editing.diff_versions(published_version("kyoto-2021"), draft)
    assert {q.key for q in diff.removed} == {k for k in outline_of(
        published_version("kyoto-2021")).questions_by_key if k.startswith("p22.")}
    assert diff.paragraphs[0].number == 22
    assert [s.after for s in diff.sections] == ["A clearer title"]

    top = next(s for s in draft.sections if s.key == "II")
    with pytest.raises(editing.InvalidEdit, match="duplicate section title"):
        editing.rename_section(top, outline.sections_by_key["I"].title, actor=admin)


def test_diff_lists_changes_field_by_field(published, draft, admin):
    editing.update_question(editing.question_by_key(draft, "p30.status"), {
        "label": "How far has your State gone?",
        "options": [{"value": "fully", "label": "Fully"}, {"value": "largely", "label": "Largely"},
                    {"value": "partially", "label": "Partially"},
                    {"value": "not_applicable", "label": "Not applicable"}]}, actor=admin)
    db.session.commit()
    diff = editing.diff_versions(published, draft)
    [change] = diff.changed
    assert change.key == "p30.status"
    fields = {f.field: f for f in change.fields}
    assert set(fields) == {"label", "options"}
    assert "not_yet" in fields["options"].before and "not_yet" not in fields["options"].after


def test_diff_of_one_renamed_option_shows_that_option_alone(published, draft, admin):
    status = editing.question_by_key(draft, "p30.status")
    options = [{"value": o["value"], "label": "Not implemented yet" if o["value"] == "not_yet"
                else o["label"]} for o in status.options]
    editing.update_question(status, {"options": options}, actor=admin)
    db.session.commit()
    [change] = editing.diff_versions(published, draft).changed
    [options_change] = change.fields
    assert options_change.before.splitlines() == [
        "not_yet | Not yet implemented", "(4 other options unchanged)"]
    assert options_change.after.splitlines() == [
        "not_yet | Not implemented yet", "(4 other options unchanged)"]


def test_discarding_a_draft(published, draft, admin):
    editing.discard_draft(draft, actor=admin)
    db.session.commit()
    assert editing.draft_of(published.questionnaire_id) is None
    assert events("questionnaire_version.discarded")
    with pytest.raises(DomainError):
        editing.discard_draft(published, actor=admin)


def test_publishing_is_all_or_nothing(draft, admin):
    from survey.cycles.services import current_cycle

    cycle = current_cycle()
    cycle_version = cycle.questionnaire_version_id
    editing.publish_draft(draft, actor=admin)
    other = editing.new_draft_from(draft, actor=admin)
    db.session.commit()
    # Moving a cycle to it is refused (a cycle of another questionnaire would be too):
    # here the cycle is moved twice, the second time to the version it already uses.
    with pytest.raises(DomainError):
        editing.publish_draft(other, actor=admin, cycles=[cycle, cycle])
    db.session.commit()
    assert other.status is VersionStatus.DRAFT
    assert published_version("kyoto-2021").id == draft.id
    assert cycle.questionnaire_version_id == cycle_version
