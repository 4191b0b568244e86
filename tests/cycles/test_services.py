"""Reporting cycles: opening, closing, deadlines, and moving to a new questionnaire version."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from survey.core.audit import AuditEvent
from survey.core.db import db
from survey.core.errors import DomainError
from survey.cycles import services as cycles
from survey.cycles.models import CycleStatus
from survey.questionnaires import editing
from survey.questionnaires.services import published_version
from survey.responses import services as responses
from survey.responses.models import Answer
from survey.responses.services import Change, answer_token
from tests.conftest import response_of


def save(response, user, values: dict) -> None:
    current = responses.answers_of(response, values)
    outcome = responses.save_answers(
        response, [Change(k, v, answer_token(current.get(k))) for k, v in values.items()],
        actor=user)
    assert not outcome.errors and not outcome.conflicts, outcome
    db.session.commit()


@pytest.fixture
def admin(make_user):
    return make_user("admin", None)


def test_closing_a_cycle_locks_editing_except_for_an_extended_deadline(make_user, admin):
    focal_point = make_user("focal_point", "JPN")
    response = response_of("JPN")
    save(response, focal_point, {"p22.status": "largely"})
    cycles.close_cycle(response.cycle, actor=admin)
    db.session.commit()
    assert response.cycle.status is CycleStatus.CLOSED
    assert responses.lock_reason(response) == "The reporting cycle is closed."
    with pytest.raises(DomainError, match="closed"):
        save(response, focal_point, {"p22.status": "fully"})
    with pytest.raises(DomainError):
        cycles.close_cycle(response.cycle, actor=admin)

    with pytest.raises(DomainError):
        cycles.extend_deadline(response, date.today() - timedelta(days=1), actor=admin)
    with pytest.raises(DomainError, match="after the cycle's deadline"):
        cycles.extend_deadline(response, response.cycle.closes_on, actor=admin)
    cycles.extend_deadline(response, response.cycle.closes_on + timedelta(days=7), actor=admin)
    db.session.commit()
    assert responses.lock_reason(response) is None
    save(response, focal_point, {"p22.status": "fully"})
    assert responses.lock_reason(response_of("FRA")) == "The reporting cycle is closed."
    assert db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "response.deadline_extended")).state_id == response.state_id


def test_only_one_cycle_of_a_questionnaire_is_open_at_a_time(admin):
    version = published_version("kyoto-2021")
    cycle = cycles.create_cycle("Next cycle", "next", version, date.today(),
                                date.today() + timedelta(days=30), actor=admin)
    with pytest.raises(DomainError, match="first"):
        cycles.open_cycle(cycle, actor=admin)
    cycles.close_cycle(cycles.current_cycle(), actor=admin)
    cycles.open_cycle(cycle, actor=admin)
    db.session.commit()
    assert cycles.current_cycle().id == cycle.id
    assert cycles.ensure_responses(cycle) == 0  # every State has one already


def test_update_cycle_checks_the_dates(admin):
    cycle = cycles.current_cycle()
    with pytest.raises(DomainError):
        cycles.update_cycle(cycle, "Name", date(2030, 1, 2), date(2030, 1, 1), actor=admin)
    cycles.update_cycle(cycle, " New name ", cycle.opens_on, date(2031, 1, 1), actor=admin)
    db.session.commit()
    assert (cycle.name, cycle.closes_on) == ("New name", date(2031, 1, 1))


def test_renaming_a_cycle_makes_its_stored_reports_out_of_date(admin):
    """The reports print the cycle's name: a stored PDF with the old one is not served."""
    from survey.reports import national
    from survey.reports.pdf import RenderedPdf

    cycle = cycles.current_cycle()
    response = response_of("JPN")
    national.store_report(response, response.revision, "en", RenderedPdf(b"%PDF-old", 1))
    db.session.commit()
    cycles.update_cycle(cycle, cycle.name, cycle.opens_on, date(2031, 1, 1), actor=admin)
    db.session.commit()
    assert national.has_cached_report(response_of("JPN"), "en")  # the dates are not printed
    cycles.update_cycle(cycle, "Kyoto follow-up, first cycle", cycle.opens_on,
                        cycle.closes_on, actor=admin)
    db.session.commit()
    db.session.expire_all()
    assert not national.has_cached_report(response_of("JPN"), "en")


def publish_changes(admin, change) -> object:
    """Make a draft, let ``change(draft)`` edit it, publish it and move the open cycle."""
    old = published_version("kyoto-2021")
    draft = editing.new_draft_from(old, actor=admin)
    change(draft)
    cycle = cycles.current_cycle()
    [impact] = editing.publish_draft(draft, actor=admin, change_note="Test changes",
                                     cycles=[cycle])
    db.session.commit()
    return impact


def test_publishing_carries_answers_over_by_key(make_user, admin):
    focal_point = make_user("focal_point", "JPN")
    response = response_of("JPN")
    save(response, focal_point, {
        "p22.status": "partially",
        "p22.measures": "The Act of 2022.",
        "p22.examples": "Three cases in 2023.",  # the question is removed below
        "p22.challenges": ["capacity", "data"],  # "data" is no longer offered below
        "p23.challenges": ["capacity"],  # still offered
        "general.coordinating_institution": "Ministry of Justice",
    })
    before = responses.answer_values(response)

    def change(draft):
        editing.delete_question(editing.question_by_key(draft, "p22.examples"), actor=admin)
        for key in ("p22.challenges", "p23.challenges"):
            question = editing.question_by_key(draft, key)
            editing.update_question(question, {"options": [
                o for o in question.options if o["value"] != "data"]}, actor=admin)
        editing.update_question(
            editing.question_by_key(draft, "general.coordinating_institution"),
            {"label": "Which institution led the self-assessment?"}, actor=admin)

    impact = publish_changes(admin, change)
    assert impact.retired_keys == ("p22.examples",)
    assert (impact.retired_answers, impact.flagged_answers, impact.responses_affected) == (1, 1, 1)

    response = response_of("JPN")
    version = response.cycle.questionnaire_version
    assert version.number == 2 and version.change_note == "Test changes"
    # Nothing a State wrote is deleted or altered.
    assert responses.answer_values(response) == before
    flagged = db.session.scalars(sa.select(Answer.question_key).where(
        Answer.response_id == response.id, Answer.needs_review.is_(True))).all()
    assert flagged == ["p22.challenges"]
    outline = responses.outline_for(response)
    assert "p22.examples" not in outline.questions_by_key
    assert outline.questions_by_key["general.coordinating_institution"].label == (
        "Which institution led the self-assessment?")

    stale = cycles.stale_answers(response)
    assert [(a.key, a.text) for a in stale.retired] == [("p22.examples", "Three cases in 2023.")]
    [review] = stale.flagged
    assert review.key == "p22.challenges" and review.value == ["capacity", "data"]
    assert "Data" in review.text  # the label of the option as it was offered

    # The answer to the removed question is read-only; the flagged one is fixed by saving.
    outcome = responses.save_answers(
        response, [Change("p22.examples", "More", "1:x")], actor=focal_point)
    assert "p22.examples" in outcome.errors
    save(response, focal_point, {"p22.challenges": ["capacity"]})
    assert not cycles.stale_answers(response).flagged

    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"questionnaire_version.published", "cycle.version_changed",
            "response.answers_flagged"} <= actions


def test_a_changed_question_type_flags_answers_that_no_longer_fit(make_user, admin):
    focal_point = make_user("focal_point", "FRA")
    save(response_of("FRA"), focal_point, {"p22.authorities": "Ministry of the Interior"})

    def change(draft):
        editing.update_question(editing.question_by_key(draft, "p22.authorities"), {
            "type": "single_choice",
            "options": [{"value": "justice", "label": "Justice"}]}, actor=admin)

    impact = publish_changes(admin, change)
    assert impact.flagged_answers == 1
    assert responses.answers_of(response_of("FRA"), ["p22.authorities"])[
        "p22.authorities"].value == "Ministry of the Interior"


def test_moving_is_refused_to_the_same_or_an_unpublished_version(admin):
    cycle = cycles.current_cycle()
    with pytest.raises(DomainError):
        cycles.move_to_version(cycle, cycle.questionnaire_version, actor=admin)
    draft = editing.new_draft_from(cycle.questionnaire_version, actor=admin)
    with pytest.raises(DomainError):
        cycles.move_to_version(cycle, draft, actor=admin)


def test_answer_fits():
    from survey.questionnaires.models import QuestionType
    from survey.questionnaires.outline import Option, QuestionItem

    def question(kind, options=(), max_length=None):
        return QuestionItem(key="k", type=kind, label="", help="", required=False,
                            options=tuple(Option(v, v) for v in options), condition=None,
                            max_length=max_length, section_key="s", paragraph_number=None)

    single = question(QuestionType.SINGLE_CHOICE, ["a", "b"])
    assert cycles.answer_fits(single, "a") and not cycles.answer_fits(single, "c")
    assert not cycles.answer_fits(single, ["a"])
    multiple = question(QuestionType.MULTIPLE_CHOICE, ["a", "b"])
    assert cycles.answer_fits(multiple, ["b", "a"]) and not cycles.answer_fits(multiple, ["a", "x"])
    assert cycles.answer_fits(question(QuestionType.NUMBER), 1.5)
    assert not cycles.answer_fits(question(QuestionType.NUMBER), "1.5")
    assert cycles.answer_fits(question(QuestionType.DATE), "2024-02-29")
    assert not cycles.answer_fits(question(QuestionType.DATE), "2023-02-29")
    assert not cycles.answer_fits(question(QuestionType.TEXT, max_length=3), "abcd")
    assert cycles.answer_fits(question(QuestionType.TEXT), None)


def test_a_flagged_answer_keeps_its_labels_blocks_sign_off_and_clears_when_it_fits(
        make_user, admin):
    """Over three more versions: the option is dropped (flagged), the question reworded
    (still flagged, still read with the label it was chosen under, in the exports too), the
    option offered again (no longer flagged). Meanwhile the State cannot sign off."""
    from survey.exports.tabular import iter_csv_rows

    focal_point = make_user("focal_point", "JPN")
    response = response_of("JPN")
    save(response, focal_point, {"p22.challenges": ["capacity", "data"],
                                 "p22.examples": "Three cases in 2023."})
    data_option = next(o for o in editing.question_by_key(
        published_version("kyoto-2021"), "p22.challenges").options if o["value"] == "data")

    def drop_data(draft):
        question = editing.question_by_key(draft, "p22.challenges")
        editing.update_question(question, {"options": [
            o for o in question.options if o["value"] != "data"]}, actor=admin)
        editing.delete_question(editing.question_by_key(draft, "p22.examples"), actor=admin)

    def reword(draft):
        editing.update_question(editing.question_by_key(draft, "p22.challenges"),
                                {"label": "What stands in the way?"}, actor=admin)

    def offer_data_again(draft):
        question = editing.question_by_key(draft, "p22.challenges")
        editing.update_question(question, {"options": [*question.options, data_option]},
                                actor=admin)

    publish_changes(admin, drop_data)
    publish_changes(admin, reword)
    response = response_of("JPN")
    assert response.cycle.questionnaire_version.number == 3
    [flagged] = cycles.stale_answers(response).flagged
    assert flagged.key == "p22.challenges" and data_option["label"] in flagged.text

    header, *rows = list(iter_csv_rows(response.cycle))
    exported = {r[header.index("question_key")]: dict(zip(header, r, strict=True))
                for r in rows if r[header.index("state_code")] == "JPN"}
    assert data_option["label"] in exported["p22.challenges"]["value_label"]
    assert exported["p22.challenges"]["needs_review"] == "yes"
    # A removed question is filed under its top-level section, as every other answer is.
    assert exported["p22.examples"]["section_key"] == exported["p22.challenges"]["section_key"]

    with pytest.raises(responses.IncompleteResponse) as refused:
        responses.submit(response, actor=focal_point)
    assert refused.value.to_review == ["p22.challenges"]

    publish_changes(admin, offer_data_again)
    response = response_of("JPN")
    assert not cycles.stale_answers(response).flagged
    assert responses.answers_to_review(response, responses.outline_for(response)) == []
