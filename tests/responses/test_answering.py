"""Answering a section: the paragraph beside its questions, saving with and without
JavaScript, messages next to the field, conflicts shown and never silently overwritten."""

import json
import re
from html import unescape

import sqlalchemy as sa

from survey.core.audit import AuditEvent
from survey.core.db import db
from survey.responses import services
from survey.responses.models import ResponseStatus
from tests.conftest import login, page_text, response_of
from tests.responses.helpers import save, tokens_on_page


def section_url(response, key="I"):
    return f"/responses/{response.id}/sections/{key}"


def test_the_section_page_shows_each_paragraph_beside_its_questions(client, login_as):
    login_as("focal_point", "JPN")
    response = response_of("JPN")
    page = client.get(section_url(response, "I"))
    assert page.status_code == 200
    text = page_text(page)
    outline = services.outline_for(response)
    paragraph = outline.paragraphs_by_number[22]
    assert paragraph.text in text  # the whole text of the paragraph
    assert "Addressing the causes, including the root causes, of crime" in text
    html = page.get_data(as_text=True)
    assert 'id="p22"' in html and 'href="#p22"' in html  # anchors and the table of contents
    # The right widget per type, labelled.
    assert 'type="radio"' in html and 'name="p22.status"' in html
    assert 'type="checkbox"' in html and 'name="p22.actions"' in html
    assert '<textarea' in html and 'name="p22.measures"' in html
    assert 'for="q-p22-authorities"' in html and 'id="q-p22-authorities"' in html
    assert "required to submit" in text


def test_the_contents_say_what_is_left_to_answer_in_each_paragraph(client, login_as):
    user = login_as("focal_point", "JPN")
    response = response_of("JPN")

    def left(number: int) -> str:
        html = client.get(section_url(response, "I")).get_data(as_text=True)
        return re.search(rf'data-toc-for="p{number}">([^<]*)<', html)[1]

    assert left(21) == "Left to answer: 1"  # the status
    save(response, user, p21__status="fully")
    assert left(21) == "Left to answer: 1"  # the measures, required once implemented
    save(response, user, p21__measures="A national strategy adopted in 2022.")
    assert left(21) == "Complete"
    save(response, user, p22__status="not_applicable")
    assert left(22) == "Complete"
    assert left(23) == "Left to answer: 1"


def test_a_plain_form_post_saves_the_answers(client, login_as):
    user = login_as("focal_point", "JPN")
    response = response_of("JPN")
    tokens = tokens_on_page(client.get(section_url(response)).get_data(as_text=True))
    form = {f"base.{k}": v for k, v in tokens.items()}
    form.update({"p21.status": "partially", "p21.actions": ["a1", "other"],
                 "p21.measures": "The National Crime Prevention Act 2019,\nsection 4."})
    saved = client.post(section_url(response), data=form)
    assert saved.status_code == 302
    values = services.answer_values(response)
    assert values["p21.status"] == "partially"
    assert values["p21.actions"] == ["a1", "other"]
    assert values["p21.measures"] == "The National Crime Prevention Act 2019,\nsection 4."
    assert "p22.status" not in values  # untouched questions are not written
    db.session.refresh(response)
    assert response.status is ResponseStatus.IN_PROGRESS
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.object_id == f"{response.id}:p21.status")).one()
    assert event.actor_id == user.id and event.after["value"] == "partially"
    page = client.get(section_url(response))
    assert "Your answers are saved." in page_text(page)
    assert "p21.measures" in page.get_data(as_text=True)


def test_an_invalid_answer_is_kept_with_a_message_and_the_others_are_saved(
        client, login_as, app):
    login_as("focal_point", "JPN")
    response = response_of("JPN")
    tokens = tokens_on_page(client.get(section_url(response, "general")).get_data(as_text=True))
    too_long = "x" * 3501
    form = {f"base.{k}": v for k, v in tokens.items()}
    form.update({"general.executive_summary": too_long,
                 "general.coordinating_institution": "Ministry of Justice"})
    page = client.post(section_url(response, "general"), data=form)
    assert page.status_code == 200
    text = page_text(page)
    assert "the limit is 3,500" in text
    assert "Some answers were not saved" in text
    assert too_long in page.get_data(as_text=True)  # the input is kept in the field
    values = services.answer_values(response)
    assert values["general.coordinating_institution"] == "Ministry of Justice"
    assert "general.executive_summary" not in values


def test_a_conflict_keeps_both_versions_and_tells_the_second_user(client, app, make_user):
    first = make_user("focal_point", "JPN")
    second = make_user("contributor", "JPN")
    response = response_of("JPN")
    login(client, first)
    tokens = tokens_on_page(client.get(section_url(response)).get_data(as_text=True))

    # Meanwhile the contributor saves the same answer, and another one.
    save(response, second, p21__measures="The contributor's text", p22__status="fully")

    form = {f"base.{k}": v for k, v in tokens.items()}
    form.update({"p21.measures": "The focal point's text", "p23.status": "largely"})
    page = client.post(section_url(response), data=form)
    assert page.status_code == 200
    text = page_text(page)
    assert "changed this answer while you were editing it" in text
    assert "The contributor's text" in text  # theirs, shown
    assert "The focal point&#39;s text" in page.get_data(as_text=True)  # yours, kept in the field
    values = services.answer_values(response)
    assert values["p21.measures"] == "The contributor's text"  # not overwritten
    assert values["p23.status"] == "largely"  # the answer that did not conflict is saved
    assert values["p22.status"] == "fully"  # untouched by the form post

    # Saving again from the conflict page is a deliberate choice: it keeps "mine".
    again = tokens_on_page(page.get_data(as_text=True))
    form = {f"base.{k}": v for k, v in again.items()}
    form["p21.measures"] = "The focal point's text"
    assert client.post(section_url(response), data=form).status_code == 302
    assert services.answer_values(response)["p21.measures"] == "The focal point's text"
    history = services.answer_history(response, "p21.measures")
    assert [e.after["value"] for e in history] == ["The focal point's text",
                                                   "The contributor's text"]


def test_autosave_saves_reports_conflicts_and_errors_as_json(client, make_user):
    first = make_user("focal_point", "JPN")
    other = make_user("contributor", "JPN")
    response = response_of("JPN")
    login(client, first)
    url = f"/responses/{response.id}/autosave"
    tokens = tokens_on_page(client.get(section_url(response)).get_data(as_text=True))

    result = client.post(url, json={"changes": [
        {"key": "p21.status", "value": "fully", "base": tokens["p21.status"]}]})
    assert result.status_code == 200
    new_token = result.json["saved"]["p21.status"]
    assert new_token.startswith("1:")

    save(response, other, p21__status="largely")
    result = client.post(url, json={"changes": [
        {"key": "p21.status", "value": "partially", "base": new_token},
        {"key": "p21.authorities", "value": "Ministry of the Interior",
         "base": tokens["p21.authorities"]},
        {"key": "p21.actions", "value": ["a1", "no-such-option"],
         "base": tokens["p21.actions"]}]})
    body = result.json
    assert result.status_code == 200
    assert [c["key"] for c in body["conflicts"]] == ["p21.status"]
    conflict = body["conflicts"][0]
    assert conflict["theirs"] == "largely" and conflict["theirs_text"] == "Largely implemented"
    assert conflict["changed_by"] == other.display_name
    assert "p21.authorities" in body["saved"]
    assert "Choose among the options" in body["errors"]["p21.actions"]
    assert services.answer_values(response)["p21.status"] == "largely"


def test_autosave_refuses_a_request_without_csrf_token(client, login_as):
    login_as("focal_point", "JPN")
    response = response_of("JPN")
    result = client.post(f"/responses/{response.id}/autosave", csrf=False,
                         json={"changes": [{"key": "p21.status", "value": "fully",
                                            "base": "0:x"}]},
                         headers={"Accept": "application/json"})
    assert result.status_code == 400
    assert services.answer_values(response) == {}


def test_history_shows_each_version_and_restores_one(client, make_user):
    user = make_user("focal_point", "JPN")
    response = response_of("JPN")
    save(response, user, p30__examples="First version")
    save(response, user, p30__examples="Second version")
    login(client, user)
    page = client.get(f"/responses/{response.id}/answers/p30.examples/history")
    text = page_text(page)
    assert "First version" in text and "Second version" in text
    assert user.display_name in text
    first = services.answer_history(response, "p30.examples")[-1]
    restored = client.post(f"/responses/{response.id}/answers/p30.examples/restore",
                           data={"event_id": first.id})
    assert restored.status_code == 302
    assert services.answer_values(response)["p30.examples"] == "First version"
    history = services.answer_history(response, "p30.examples")
    assert history[0].action == "answer.restored" and len(history) == 3


def test_a_restore_never_overwrites_an_answer_saved_after_the_history_was_opened(
        client, make_user):
    """The focal point opens the history; a contributor then saves a third version; the
    restore of the first is refused with who changed it, and the third stays."""
    focal_point = make_user("focal_point", "JPN")
    contributor = make_user("contributor", "JPN")
    response = response_of("JPN")
    save(response, focal_point, p30__examples="First version")
    save(response, focal_point, p30__examples="Second version")
    login(client, focal_point)
    page = client.get(f"/responses/{response.id}/answers/p30.examples/history")
    base = re.search(r'name="base" value="([^"]+)"', page.get_data(as_text=True))[1]
    first = services.answer_history(response, "p30.examples")[-1]
    save(response, contributor, p30__examples="Third version, by the contributor")

    refused = client.post(f"/responses/{response.id}/answers/p30.examples/restore",
                          data={"event_id": first.id, "base": base}, follow_redirects=True)
    assert f"{contributor.display_name} changed this answer after you opened its history" \
        in page_text(refused)
    assert services.answer_values(response)["p30.examples"] == \
        "Third version, by the contributor"

    again = client.get(f"/responses/{response.id}/answers/p30.examples/history")
    base = re.search(r'name="base" value="([^"]+)"', again.get_data(as_text=True))[1]
    restored = client.post(f"/responses/{response.id}/answers/p30.examples/restore",
                           data={"event_id": first.id, "base": base})
    assert restored.status_code == 302
    assert services.answer_values(response)["p30.examples"] == "First version"


def test_a_condition_makes_measures_required_only_when_implemented(make_user):
    user = make_user("focal_point", "JPN")
    response = response_of("JPN")
    outline = services.outline_for(response)
    measures = outline.questions_by_key["p21.measures"]

    save(response, user, p21__status="not_yet")
    missing = {q.key for q in services.missing_required(outline, services.answer_values(response))}
    assert "p21.measures" not in missing and "p21.status" not in missing
    assert not measures.applies(services.answer_values(response))

    save(response, user, p21__status="partially")
    missing = {q.key for q in services.missing_required(outline, services.answer_values(response))}
    assert "p21.measures" in missing


def test_an_answer_flagged_for_review_shows_what_was_written(client, make_user):
    from survey.responses.models import Answer

    user = make_user("focal_point", "JPN")
    response = response_of("JPN")
    save(response, user, p21__actions=["a1", "other"])
    answer = db.session.scalars(sa.select(Answer).where(
        Answer.question_key == "p21.actions", Answer.response_id == response.id)).one()
    answer.needs_review = True
    db.session.commit()
    login(client, user)
    text = page_text(client.get(section_url(response)))
    assert "Please review: the questionnaire changed" in text
    assert "Your earlier answer: " in text and "Other" in text.split("Your earlier answer:")[1]


def test_the_first_save_starts_the_response_once(make_user):
    """Two first saves at once (the second still seeing "not started") start the response
    once: one status change, one "response.started" in the audit trail."""
    from sqlalchemy.orm.attributes import set_committed_value

    focal_point, contributor = make_user("focal_point", "JPN"), make_user("contributor", "JPN")
    response = response_of("JPN")
    assert response.status is ResponseStatus.NOT_STARTED
    save(response, focal_point, p21__authorities="Ministry of Justice")
    assert response.status is ResponseStatus.IN_PROGRESS
    set_committed_value(response, "status", ResponseStatus.NOT_STARTED)  # a stale view
    save(response, contributor, p22__authorities="National Police Agency")

    started = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "response.started",
        AuditEvent.object_id == str(response.id))).all()
    assert [e.actor_id for e in started] == [focal_point.id]
    assert response.status is ResponseStatus.IN_PROGRESS
    assert response.last_activity_by_id == contributor.id


def test_a_section_without_paragraphs_gives_its_questions_the_whole_width(client, login_as):
    """General information has no contents: its form is not put in the contents' narrow
    column of the two-column layout (it was, ~224 px wide)."""
    login_as("focal_point", "JPN")
    response = response_of("JPN")
    general = client.get(section_url(response, "general")).get_data(as_text=True)
    assert 'class="toc"' not in general
    assert "section-layout" not in general
    assert 'name="general.coordinating_institution"' in general
    with_contents = client.get(section_url(response, "I")).get_data(as_text=True)
    assert 'class="section-layout"' in with_contents and 'class="toc"' in with_contents


def test_the_contents_list_only_the_paragraphs_that_have_questions(client, login_as):
    """Commitments has paragraphs without questions: they are not in its contents (they
    were, "Complete" on an untouched response, linking to anchors that did not exist)."""
    login_as("focal_point", "JPN")
    response = response_of("JPN")
    section = services.outline_for(response).sections_by_key["declaration"]
    without = [p.number for p in section.all_paragraphs() if not p.questions]
    with_questions = [p.number for p in section.all_paragraphs() if p.questions]
    assert without and with_questions
    html = client.get(section_url(response, "declaration")).get_data(as_text=True)
    contents = re.search(r'<nav class="toc".*?</nav>', html, re.S)[0]
    for number in without:
        assert f'href="#p{number}"' not in contents
        assert f'data-toc-for="p{number}"' not in contents
    for number in with_questions:
        assert f'href="#p{number}"' in contents
    assert "Complete" not in contents  # nothing is answered yet
    for anchor in re.findall(r'href="#([^"]+)"', contents):
        assert f'id="{anchor}"' in html, f"the contents link to #{anchor}, not on the page"


def test_a_text_longer_than_its_limit_is_kept_whole_and_refused_with_a_message(
        client, login_as):
    """The executive summary (3,500 characters at most) has no maxlength: the browser cut a
    longer paste silently and autosave said "Saved". The save refuses it, next to the
    field, and the page's script gets the limit and the words of its live count."""
    login_as("focal_point", "JPN")
    response = response_of("JPN")
    html = client.get(section_url(response, "general")).get_data(as_text=True)
    summary = re.search(r'<textarea[^>]*name="general.executive_summary"[^>]*>', html)[0]
    assert "maxlength" not in summary
    assert 'data-max-length="3500"' in summary
    messages = json.loads(unescape(re.search(r"data-messages='([^']*)'", html)[1]))
    assert messages["charCount"] == "%(count)s of %(limit)s characters"
    assert "%(over)s over the limit of %(limit)s" in messages["charOver"]

    pasted = "Word " * 860  # 4,300 characters
    tokens = tokens_on_page(html)
    result = client.post(f"/responses/{response.id}/autosave", json={"changes": [
        {"key": "general.executive_summary", "value": pasted,
         "base": tokens["general.executive_summary"]}]})
    assert result.status_code == 200
    assert result.json["saved"] == {}
    assert "has 4,300 characters; the limit is 3,500" in result.json["errors"][
        "general.executive_summary"]
    assert "general.executive_summary" not in services.answer_values(response)
