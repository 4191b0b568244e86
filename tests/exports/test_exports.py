"""Exports of a cycle with every State answered: every answer is there, once, and the files
open with the standard readers (csv, openpyxl, json)."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest
import sqlalchemy as sa

from survey.auth.models import Role
from survey.auth.services import create_user
from survey.core.db import db
from survey.cycles.services import current_cycle
from survey.exports.documents import write_json
from survey.exports.rows import COLUMNS, CycleAnswers
from survey.exports.tabular import (
    SHEET_COLUMNS,
    iter_csv_chunks,
    iter_csv_rows,
    write_csv,
    write_xlsx,
)
from survey.questionnaires import editing
from survey.questionnaires.services import published_version
from survey.responses import services
from survey.responses.models import Answer, Response
from survey.responses.services import Change, answer_token
from survey.states.models import State
from tests.conftest import response_of

ANSWERS_PER_STATE = {
    "general.coordinating_institution": "Ministère de la Justice — وزارة العدل",
    "general.stakeholders": ["government", "civil_society"],
    "p22.status": "partially",
    "p22.measures": "=HYPERLINK(\"http://example.org\")\nLaw 12, section 4.",
    "p22.examples": "Three cases in 2023.",
    "p30.challenges": ["capacity", "data"],
}


@pytest.fixture
def answered(app):
    """Every State's response holds the same six answers, through the answering service."""
    cycle = current_cycle()
    responses = db.session.scalars(sa.select(Response).where(
        Response.cycle_id == cycle.id)).all()
    states = {s.id: s for s in db.session.scalars(sa.select(State))}
    for response in responses:
        state = states[response.state_id]
        user = create_user(f"fp.{state.code.lower()}@example.org", f"Focal point {state.code}",
                           Role.FOCAL_POINT, state, actor=None)
        current = services.answers_of(response, ANSWERS_PER_STATE)
        outcome = services.save_answers(response, [
            Change(k, v, answer_token(current.get(k))) for k, v in ANSWERS_PER_STATE.items()],
            actor=user)
        assert not outcome.errors and not outcome.conflicts
    db.session.commit()
    return cycle


def stored_answers(cycle) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Answer).join(Response).where(
        Response.cycle_id == cycle.id))


def test_the_csv_holds_every_answer(answered):
    assert stored_answers(answered) == 193 * len(ANSWERS_PER_STATE)
    file = io.StringIO(newline="")
    count = write_csv(answered, file)
    file.seek(0)
    rows = list(csv.DictReader(file))
    assert count == len(rows) == 193 * len(ANSWERS_PER_STATE)
    assert list(rows[0]) == list(COLUMNS)
    assert len({(r["state_code"], r["question_key"]) for r in rows}) == len(rows)
    assert {r["state_code"] for r in rows} == set(db.session.scalars(sa.select(State.code)))
    japan = {r["question_key"]: r for r in rows if r["state_code"] == "JPN"}
    assert japan["general.stakeholders"]["value"] == "government; civil_society"
    assert japan["general.stakeholders"]["value_label"] == (
        "Government ministries and agencies; Civil society")
    assert japan["p22.status"]["value_label"] == "Partially implemented"
    assert japan["p22.status"]["paragraph"] == "22"
    assert japan["general.coordinating_institution"]["value"] == (
        ANSWERS_PER_STATE["general.coordinating_institution"])
    assert japan["p22.measures"]["value"] == ANSWERS_PER_STATE["p22.measures"]  # as written
    assert japan["p22.status"]["updated_by"] == "Focal point JPN"
    assert japan["p22.status"]["response_status"] == "in_progress"
    assert japan["p22.status"]["question_removed"] == "no"
    assert japan["p22.status"]["questionnaire_version"] == "1"
    # Questionnaire order within a State: the general part first.
    keys = [r["question_key"] for r in rows if r["state_code"] == "JPN"]
    assert keys == list(ANSWERS_PER_STATE)


def test_the_xlsx_holds_every_answer(answered, tmp_path):
    path = tmp_path / "answers.xlsx"
    assert write_xlsx(answered, str(path)) == 193 * len(ANSWERS_PER_STATE)
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        names = workbook.sheetnames
        assert names[:2] == ["States", "Questions"] and names[-1] == "Removed questions"
        answers = 0
        values = {}
        for name in names[2:]:
            rows = workbook[name].iter_rows(values_only=True)
            assert next(rows) == SHEET_COLUMNS
            for row in rows:
                answers += 1
                values[(row[0], row[5])] = row
        assert answers == 193 * len(ANSWERS_PER_STATE)
        # A text that looks like a formula stays text.
        assert values[("JPN", "p22.measures")][7] == ANSWERS_PER_STATE["p22.measures"]
        stakeholders = values[("JPN", "general.stakeholders")]
        assert stakeholders[7:9] == ("government; civil_society",
                                     "Government ministries and agencies; Civil society")
        assert stakeholders[9] is True  # asked
        assert stakeholders[11] == "Focal point JPN" and stakeholders[12] is not None
        states = list(workbook["States"].iter_rows(values_only=True))
        assert len(states) == 1 + 193
        japan = next(r for r in states if r[0] == "JPN")
        assert japan[7] == len(ANSWERS_PER_STATE)  # answers exported for the State
        questions = list(workbook["Questions"].iter_rows(values_only=True))
        assert len(questions) == 1 + 800
    finally:
        workbook.close()


def test_the_official_who_authorised_a_submission_is_exported(answered, tmp_path):
    japan = response_of("JPN")  # as sign-off stores them (see test_submission.py)
    japan.authorised_by_name, japan.authorised_by_title = "Yōko Kamikawa", "Minister of Justice"
    db.session.commit()

    document = io.StringIO()
    write_json(answered, document)
    by_state = {r["state"]["code"]: r for r in json.loads(document.getvalue())["responses"]}
    assert by_state["JPN"]["authorised_by"] == {"name": "Yōko Kamikawa",
                                                "title": "Minister of Justice"}
    assert by_state["FRA"]["authorised_by"] is None

    path = tmp_path / "answers.xlsx"
    write_xlsx(answered, str(path))
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        states = list(workbook["States"].iter_rows(values_only=True))
    finally:
        workbook.close()
    header = states[0]
    row = next(r for r in states if r[0] == "JPN")
    assert row[header.index("authorised_by")] == "Yōko Kamikawa"
    assert row[header.index("authorised_by_title")] == "Minister of Justice"


def test_answers_to_removed_questions_are_exported_and_flagged(answered, make_user):
    admin = make_user("admin", None)
    draft = editing.new_draft_from(published_version("kyoto-2021"), actor=admin)
    editing.delete_question(editing.question_by_key(draft, "p22.examples"), actor=admin)
    editing.publish_draft(draft, actor=admin, cycles=[answered])
    db.session.commit()

    rows = list(iter_csv_rows(answered))
    header, rows = rows[0], rows[1:]
    assert len(rows) == 193 * len(ANSWERS_PER_STATE)
    removed = [dict(zip(header, r, strict=True)) for r in rows if r[9] == "p22.examples"]
    assert len(removed) == 193
    assert {r["question_removed"] for r in removed} == {"yes"}
    assert removed[0]["question"] == "Provide examples of implementation: cases, statistics, " \
                                     "good practices."
    assert {r[5] for r in rows} == {2}  # the version the cycle now uses

    file = io.StringIO()
    write_json(answered, file)
    document = json.loads(file.getvalue())
    assert len(document["responses"]) == 193
    assert sum(len(r["answers"]) for r in document["responses"]) == 193 * len(ANSWERS_PER_STATE)
    assert next(q for q in document["questions"] if q["key"] == "p22.examples")["removed"]


def test_the_downloads(client, answered, make_user, login_as):
    login_as("admin", None)
    cycle = answered
    page = client.get(f"/admin/cycles/{cycle.id}/answers.csv")
    assert page.status_code == 200 and page.mimetype == "text/csv"
    assert f'filename="kyoto-answers-{cycle.slug}.csv"' in page.headers["Content-Disposition"]
    text = page.get_data().decode("utf-8")
    assert text.startswith("\ufeff")  # spreadsheets then read UTF-8
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert len(rows) == 1 + 193 * len(ANSWERS_PER_STATE)
    measures = next(r for r in rows if r[0] == "JPN" and r[9] == "p22.measures")
    assert measures[12].startswith("'=HYPERLINK")  # not a formula when opened in a spreadsheet

    page = client.get(f"/admin/cycles/{cycle.id}/answers.xlsx")
    assert page.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(page.get_data()), read_only=True)
    try:
        assert "States" in workbook.sheetnames
    finally:
        workbook.close()

    document = json.loads(client.get(f"/admin/cycles/{cycle.id}/answers.json").get_data())
    assert document["format"] == "kyoto-survey-answers" and len(document["responses"]) == 193

    japan = response_of("JPN")
    one = client.get(f"/admin/responses/{japan.id}/answers.json")
    assert "JPN" in one.headers["Content-Disposition"]
    document = json.loads(one.get_data())
    [response] = document["responses"]
    assert response["state"]["code"] == "JPN"
    answers = {a["question"]: a for a in response["answers"]}
    assert answers["p30.challenges"]["value"] == ["capacity", "data"]
    assert answers["p30.challenges"]["labels"] == ["Limited human or technical capacity",
                                                   "Data gaps"]
    assert answers["p22.status"]["labels"] == "Partially implemented"
    assert answers["p22.measures"]["labels"] is None


def test_rows_are_read_a_batch_of_responses_at_a_time(answered, app, monkeypatch):
    import survey.exports.rows as rows_module

    monkeypatch.setattr(rows_module, "RESPONSES_PER_BATCH", 50)
    statements = []
    engine = app.extensions["survey.db"].engine

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        total = sum(len(rows) for _, rows in CycleAnswers(answered).batches())
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert total == 193 * len(ANSWERS_PER_STATE)
    answer_queries = [s for s in statements if "FROM answers LEFT OUTER JOIN users" in s]
    assert len(answer_queries) == 4  # 193 responses, 50 a query


def test_each_answer_says_whether_the_state_is_asked_it(app, make_user, tmp_path):
    """Measures typed while the status was "partially", then the status became "not yet
    implemented": the answer is kept and exported, marked as no longer asked, so analysts
    do not count it as reported (the State's report leaves it out)."""
    user = make_user("focal_point", "JPN")
    response = response_of("JPN")
    for values in ({"p22.status": "partially", "p22.measures": "Decree 41/2024.",
                    "p23.status": "fully", "p23.measures": "Act 7."},
                   {"p22.status": "not_yet"}):
        current = services.answers_of(response, values)
        services.save_answers(response, [Change(k, v, answer_token(current.get(k)))
                                         for k, v in values.items()], actor=user)
    db.session.commit()
    cycle = current_cycle()
    expected = {"p22.status": True, "p22.measures": False, "p23.status": True,
                "p23.measures": True}

    file = io.StringIO(newline="")
    write_csv(cycle, file)
    file.seek(0)
    japan = {r["question_key"]: r for r in csv.DictReader(file) if r["state_code"] == "JPN"}
    assert {k: japan[k]["question_asked"] == "yes" for k in expected} == expected
    assert japan["p22.measures"]["value"] == "Decree 41/2024."  # kept all the same
    streamed = list(csv.DictReader(io.StringIO("".join(iter_csv_chunks(cycle))
                                               .removeprefix("\ufeff"))))
    assert {r["question_key"]: r["question_asked"] == "yes" for r in streamed
            if r["state_code"] == "JPN"} == expected

    file = io.StringIO()
    write_json(cycle, file, response=response)
    [document] = json.loads(file.getvalue())["responses"]
    assert {a["question"]: a["question_asked"] for a in document["answers"]} == expected

    path = tmp_path / "answers.xlsx"
    write_xlsx(cycle, str(path))
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        sheet = next(workbook[n] for n in workbook.sheetnames if n.startswith("I "))
        header, *rows = sheet.iter_rows(values_only=True)
        rows = [dict(zip(header, row, strict=True)) for row in rows]
        assert {r["question_key"]: r["question_asked"] for r in rows
                if r["state_code"] == "JPN"} == expected
    finally:
        workbook.close()
