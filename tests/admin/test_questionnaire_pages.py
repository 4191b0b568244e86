"""Editing the questionnaire through the pages, as the secretariat does it."""

from __future__ import annotations

import re

import sqlalchemy as sa

from survey.core.audit import AuditEvent
from survey.core.db import db
from survey.questionnaires import editing
from survey.questionnaires.models import QuestionnaireVersion, VersionStatus
from survey.questionnaires.outline import outline_of
from survey.questionnaires.services import published_version
from survey.responses import services
from tests.admin.conftest import save
from tests.conftest import login, page_text, response_of


def make_draft(client) -> QuestionnaireVersion:
    published = published_version("kyoto-2021")
    made = client.post(f"/admin/versions/{published.id}/draft")
    assert made.status_code == 302
    draft = editing.draft_of(published.questionnaire_id)
    assert made.headers["Location"] == f"/admin/versions/{draft.id}"
    return draft


def question_form(question) -> dict:
    """The edit form as the page fills it in."""
    condition = question.condition or {}
    return {
        "type": question.type.value, "label": question.label, "help": question.help,
        "required": "y" if question.required else "",
        "options": "\n".join(f"{o['value']} | {o['label']}" for o in question.options),
        "condition": [f"{condition['question']}={v}" for v in condition.get("in", [])],
        "max_length": question.max_length or "",
    }


def test_a_version_is_browsed_with_each_paragraph_beside_its_questions(client, admin):
    version = published_version("kyoto-2021")
    page = client.get(f"/admin/versions/{version.id}/sections/I")
    text = page_text(page)
    assert "Paragraph 22" in text and "p22.status" in text and "p22.measures" in text
    outline = services.outline_for(response_of("JPN"))
    assert outline.paragraphs_by_number[22].text in text
    # The key and the options' labels are set apart from the sentence (it may be Arabic).
    assert "Asked only when <bdi>p22.status</bdi> is: <bdi>Fully implemented, Largely " \
           "implemented, Partially implemented</bdi>." in page.get_data(as_text=True)
    # A published version offers no editing, only a draft copy.
    assert "/questions/p22.status/edit" not in page.get_data(as_text=True)
    overview = page_text(client.get(f"/admin/versions/{version.id}"))
    assert "Edit: make a draft copy" in overview


def test_editing_a_published_version_is_refused(client, admin):
    version = published_version("kyoto-2021")
    before = editing.question_by_key(version, "p22.examples").label
    form = question_form(editing.question_by_key(version, "p22.examples"))
    refused = client.post(f"/admin/versions/{version.id}/questions/p22.examples/edit",
                          data={**form, "label": "Changed"}, follow_redirects=True)
    assert "never changes" in page_text(refused)
    for url in (f"/admin/versions/{version.id}/questions/p22.examples/delete",
                f"/admin/versions/{version.id}/paragraphs/22/edit",
                f"/admin/versions/{version.id}/sections/I/edit"):
        client.post(url, data={"title": "x", "reason": "x", "actionable": ""})
    client.post(f"/admin/versions/{version.id}/questions/p22.examples/move",
                data={"direction": "down"})
    db.session.expire_all()
    assert editing.question_by_key(version, "p22.examples").label == before
    assert editing.question_by_key(version, "p22.examples") is not None
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.object_type.in_(["question", "paragraph", "section"])))


def test_only_one_draft_at_a_time(client, admin):
    draft = make_draft(client)
    again = client.post(f"/admin/versions/{published_version('kyoto-2021').id}/draft")
    assert again.headers["Location"] == f"/admin/versions/{draft.id}"
    assert db.session.scalar(sa.select(sa.func.count()).where(
        QuestionnaireVersion.status == VersionStatus.DRAFT)) == 1


def test_edit_errors_are_shown_next_to_the_fields_with_the_input_kept(client, admin):
    draft = make_draft(client)
    question = editing.question_by_key(draft, "p22.status")
    form = question_form(question)
    form["options"] = "fully | Fully\nNot Valid | Something"
    page = client.post(f"/admin/versions/{draft.id}/questions/p22.status/edit", data=form)
    assert page.status_code == 422
    text = page_text(page)
    assert "line 2" in text and "'Not Valid' is not a valid option value" in text
    # The other questions' conditions name "largely" and "partially": refused too, by key.
    html = page.get_data(as_text=True)
    assert "Not Valid | Something" in html  # the input is kept
    assert 'aria-invalid="true"' in html

    form["options"] = "fully | Fully\nlargely | Largely"
    page = client.post(f"/admin/versions/{draft.id}/questions/p22.status/edit", data=form)
    assert page.status_code == 422
    assert "p22.measures" in page_text(page) and "'partially' is not an option" in page_text(page)
    db.session.expire_all()
    assert "partially" in editing.question_by_key(draft, "p22.status").option_values

    empty = client.post(f"/admin/versions/{draft.id}/questions/p22.status/edit",
                        data={**question_form(question), "label": ""})
    assert empty.status_code == 422 and "This field is required." in page_text(empty)


def test_add_move_and_remove_a_question(client, admin):
    draft = make_draft(client)
    form = client.get(f"/admin/versions/{draft.id}/paragraphs/22/questions/new")
    assert 'value="p22."' in form.get_data(as_text=True)  # the key's prefix is suggested
    added = client.post(f"/admin/versions/{draft.id}/paragraphs/22/questions/new", data={
        "key": "p22.budget", "type": "number", "label": "Annual budget (USD)",
        "help": "", "options": "", "condition": ["p22.status=fully"], "max_length": ""})
    assert added.status_code == 302, page_text(added)
    assert added.headers["Location"].endswith("#q-p22-budget")
    keys = [q.key for q in editing.siblings(editing.question_by_key(draft, "p22.status"))]
    assert keys[-1] == "p22.budget"

    client.post(f"/admin/versions/{draft.id}/questions/p22.budget/move",
                data={"direction": "up"})
    keys = [q.key for q in editing.siblings(editing.question_by_key(draft, "p22.status"))]
    assert keys[-2] == "p22.budget"

    confirm = client.get(f"/admin/versions/{draft.id}/questions/p22.budget/delete")
    assert "Answers already given to it are kept" in page_text(confirm)
    client.post(f"/admin/versions/{draft.id}/questions/p22.budget/delete")
    assert editing.question_by_key(draft, "p22.budget") is None

    duplicate = client.post(f"/admin/versions/{draft.id}/paragraphs/22/questions/new", data={
        "key": "p22.status", "type": "text", "label": "Again"})
    assert duplicate.status_code == 422
    assert "Another question of this version has the key p22.status" in page_text(duplicate)


def test_a_question_others_depend_on_is_not_removed_and_the_page_says_which(client, admin):
    draft = make_draft(client)
    asked = client.get(f"/admin/versions/{draft.id}/questions/p22.status/delete")
    assert asked.status_code == 200
    text = page_text(asked)
    assert "p22.measures depend on p22.status" in text and "remove their conditions first" in text
    html = asked.get_data(as_text=True)
    assert "#q-p22-measures" in html  # a link to the question to change
    assert "Remove the question</button>" not in html
    refused = client.post(f"/admin/versions/{draft.id}/questions/p22.status/delete")
    assert refused.status_code == 409
    assert editing.question_by_key(draft, "p22.status") is not None


def test_paragraph_and_section_pages(client, admin):
    draft = make_draft(client)
    saved = client.post(f"/admin/versions/{draft.id}/paragraphs/23/edit", data={
        "actionable": "", "reason": "Restates an obligation.", "remove_questions": "y"})
    assert saved.status_code == 302
    paragraph = outline_of(draft).paragraphs_by_number[23]
    assert (paragraph.actionable, paragraph.questions) == (False, ())
    client.post(f"/admin/versions/{draft.id}/sections/I/edit",
                data={"title": "Crime prevention"})
    outline = services.outline_for(response_of("JPN"))  # the published version: unchanged
    assert outline.sections_by_key["I"].title != "Crime prevention"
    page = page_text(client.get(f"/admin/versions/{draft.id}/changes"))
    assert "Crime prevention" in page and "Restates an obligation." in page
    assert "p23.status" in page  # among the questions removed


def test_a_condition_makes_a_question_required_only_when_it_should(client, admin, make_user):
    """The secretariat makes p22.authorities required when p22.status is fully implemented;
    after publication, a State must answer it then, and only then."""
    draft = make_draft(client)
    question = editing.question_by_key(draft, "p22.authorities")
    form = {**question_form(question), "required": "y",
            "condition": ["p22.status=fully", "p22.status=largely"]}
    assert client.post(f"/admin/versions/{draft.id}/questions/p22.authorities/edit",
                       data=form).status_code == 302
    published = client.post(f"/admin/versions/{draft.id}/publish", data={
        "change_note": "Authorities required", "cycles": [response_of("JPN").cycle_id],
        "confirm": "y"})
    assert published.status_code == 302

    focal_point = make_user("focal_point", "JPN")
    response = response_of("JPN")
    outline = services.outline_for(response)

    def missing() -> set[str]:
        return {q.key for q in services.missing_required(outline, services.answer_values(
            response)) if q.key.startswith("p22.")}

    save(response, focal_point, {"p22.status": "not_yet"})
    assert missing() == set()
    save(response, focal_point, {"p22.status": "fully"})
    assert missing() == {"p22.measures", "p22.authorities"}
    save(response, focal_point, {"p22.measures": "Act 1", "p22.authorities": "Police"})
    assert missing() == set()

    # The focal point's page says when the question is asked.
    client.post("/logout")
    login(client, focal_point)
    page = page_text(client.get(f"/responses/{response.id}/sections/I"))
    assert "Answer if “To what extent has your State implemented this paragraph?” is: " \
           "Fully implemented, Largely implemented." in page


def test_publishing_shows_the_changes_first(client, admin):
    draft = make_draft(client)
    question = editing.question_by_key(draft, "p30.status")
    client.post(f"/admin/versions/{draft.id}/questions/p30.status/edit",
                data={**question_form(question), "help": "Assess it as a whole."})
    page = client.get(f"/admin/versions/{draft.id}/publish")
    text = page_text(page)
    assert "Changes from version 1" in text and "p30.status" in text
    assert "Help text" in text and "Assess it as a whole." in text
    assert "0 answers to removed questions kept read-only" in text

    unconfirmed = client.post(f"/admin/versions/{draft.id}/publish", data={"change_note": "x"})
    assert unconfirmed.status_code == 422
    assert "Confirm that you have read the changes." in page_text(unconfirmed)
    db.session.expire_all()
    assert db.session.get(QuestionnaireVersion, draft.id).status is VersionStatus.DRAFT


def test_a_draft_of_an_older_version_is_compared_with_the_published_one(client, admin):
    """A draft copied from version 1 after version 2 was published would undo version 2's
    changes: the publish page says so, and lists them against version 2."""
    first = published_version("kyoto-2021")
    draft = make_draft(client)
    question = editing.question_by_key(draft, "p30.status")
    client.post(f"/admin/versions/{draft.id}/questions/p30.status/edit",
                data={**question_form(question), "help": "Assess it as a whole."})
    published = client.post(f"/admin/versions/{draft.id}/publish",
                            data={"change_note": "Help for p30", "confirm": "y"})
    assert published.status_code == 302
    assert published_version("kyoto-2021").number == 2
    made = client.post(f"/admin/versions/{first.id}/draft")  # version 1, now retired
    assert made.status_code == 302
    third = editing.draft_of(first.questionnaire_id)
    assert third.based_on_id == first.id and third.number == 3

    text = page_text(client.get(f"/admin/versions/{third.id}/publish"))
    assert "Changes from version 2" in text
    assert "This draft was made from version 1, not from version 2, which is published " \
           "now." in text
    assert "p30.status" in text and "Assess it as a whole." in text  # to be undone


def test_the_preview_shows_what_a_focal_point_sees(client, admin):
    version = published_version("kyoto-2021")
    page = client.get(f"/admin/versions/{version.id}/preview/I")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'type="radio"' in html and 'name="p22.status"' in html
    assert "<textarea" in html and 'for="q-p22-authorities"' in html
    assert "Nothing you enter here is saved." in page_text(page)
    assert "method=\"post\"" not in html.split('id="answers-form"')[1].split(">")[0]
    first = client.get(f"/admin/versions/{version.id}/preview")
    assert first.status_code == 302 and first.headers["Location"].endswith("/preview/general")


def test_a_new_focal_point_finds_all_their_answers_after_a_new_version(client, admin,
                                                                        make_user):
    """An administrator rewords a question and publishes version 2; a focal point who
    answered in version 1 finds every answer in version 2, with the new wording."""
    focal_point = make_user("focal_point", "JPN")
    response = response_of("JPN")
    given = {"general.coordinating_institution": "Ministry of Justice",
             "general.stakeholders": ["government", "academia"],
             "p21.status": "largely", "p21.measures": "The Prevention Act 2019.",
             "p22.status": "not_yet", "p40.assistance": ["training", "data"]}
    save(response, focal_point, given)

    draft = make_draft(client)
    question = editing.question_by_key(draft, "general.coordinating_institution")
    reworded = "Which institution led the preparation of this self-assessment?"
    assert client.post(
        f"/admin/versions/{draft.id}/questions/general.coordinating_institution/edit",
        data={**question_form(question), "label": reworded}).status_code == 302
    review = page_text(client.get(f"/admin/versions/{draft.id}/publish"))
    assert reworded in review
    published = client.post(f"/admin/versions/{draft.id}/publish", data={
        "change_note": "Clearer wording", "cycles": [response.cycle_id], "confirm": "y"},
        follow_redirects=True)
    assert "Version 2 is published." in page_text(published)

    client.post("/logout")
    login(client, focal_point)
    dashboard = client.get(client.get("/dashboard").headers["Location"])
    assert "Answers to review" not in page_text(dashboard)
    assert "no longer asked" not in page_text(dashboard)
    general = client.get(f"/responses/{response.id}/sections/general").get_data(as_text=True)
    assert reworded in general
    assert re.search(r'name="general.coordinating_institution"[^>]*value="Ministry of Justice"',
                     general)
    assert re.search(r'value="academia"[^>]*checked|checked[^>]*value="academia"', general)
    section = client.get(f"/responses/{response.id}/sections/I").get_data(as_text=True)
    assert "The Prevention Act 2019." in section
    assert re.search(r'value="largely"[^>]*checked|checked[^>]*value="largely"', section)
    assert services.answer_values(response) == given
    assert services.outline_for(response).version_number == 2


def test_a_state_sees_answers_to_removed_questions_and_those_to_review(client, admin,
                                                                        make_user):
    focal_point = make_user("focal_point", "FRA")
    response = response_of("FRA")
    save(response, focal_point, {"p22.examples": "Three cases in 2023.",
                                 "p22.challenges": ["capacity", "data"]})
    draft = make_draft(client)
    client.post(f"/admin/versions/{draft.id}/questions/p22.examples/delete")
    challenges = editing.question_by_key(draft, "p22.challenges")
    form = question_form(challenges)
    form["options"] = "\n".join(line for line in form["options"].splitlines()
                                if not line.startswith("data "))
    assert client.post(f"/admin/versions/{draft.id}/questions/p22.challenges/edit",
                       data=form).status_code == 302
    page = page_text(client.get(f"/admin/versions/{draft.id}/publish"))
    assert "1 answers to removed questions kept read-only; 1 answers flagged for review" in page
    client.post(f"/admin/versions/{draft.id}/publish",
                data={"cycles": [response.cycle_id], "confirm": "y"})

    client.post("/logout")
    login(client, focal_point)
    text = page_text(client.get(f"/responses/{response.id}"))
    assert "Answers to questions no longer asked" in text and "Three cases in 2023." in text
    assert "Answers to review" in text
    assert "Your answer: Limited human or technical capacity; Data gaps" in text
    section = page_text(client.get(f"/responses/{response.id}/sections/I"))
    assert "Please review: the questionnaire changed and this answer no longer fits it." in section
