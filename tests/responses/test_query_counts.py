"""A section page costs the same few SQL statements whatever its size: the number of
questions, of paragraphs or of people who wrote the answers must not add queries (the
benchmark, python -m benchmarks, reports the same count for the full data set)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from survey.core.db import db
from survey.cycles.services import current_cycle, move_to_version
from survey.questionnaires.services import export_definition, import_definition, publish_version
from survey.responses import services
from survey.responses.services import Change, answer_token, outline_for
from tests.conftest import response_of

MOST_STATEMENTS = 5
# Transaction control and the savepoints of the test's rolled-back transaction are not
# queries (and PostgreSQL's driver sends BEGIN without a statement).
_TRANSACTION = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.I)


@contextmanager
def statements(app) -> Iterator[list[str]]:
    sent: list[str] = []

    def record(_conn, _cursor, statement, _parameters, _context, _executemany) -> None:
        if not _TRANSACTION.match(statement):
            sent.append(statement)

    engine = app.extensions["survey.db"].engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def statements_for(app, client, url: str) -> list[str]:
    client.get(url)  # the first request of a session may record the sign-in's activity
    with statements(app) as sent:
        reply = client.get(url)
    assert reply.status_code == 200
    return sent


def value_for(question):
    if question.type.value == "multiple_choice":
        return [question.options[0].value]
    if question.is_choice:
        return question.options[0].value
    return f"What we did for {question.key}.\n\nAnd what remains to be done."


def answer_everything(response, section_keys, authors) -> None:
    """Answer every question of these sections not answered yet, each author in turn (many
    names to show)."""
    outline = outline_for(response)
    questions = [q for key in section_keys for q in outline.sections_by_key[key].all_questions()]
    answered = services.answers_of(response, [q.key for q in questions])
    for index, question in enumerate(q for q in questions if q.key not in answered):
        outcome = services.save_answers(
            response, [Change(question.key, value_for(question), answer_token(None))],
            actor=authors[index % len(authors)])
        assert question.key in outcome.saved, outcome
    db.session.commit()


def sections_by_size(response) -> tuple[str, str]:
    sections = outline_for(response).answerable_sections()
    sizes = sorted(sections, key=lambda s: sum(1 for _ in s.all_questions()))
    return sizes[-1].key, sizes[0].key


@pytest.fixture
def japan(login_as, make_user):
    """Japan's response, its focal point signed in, and a team of five who answer."""
    focal_point = login_as("focal_point", "JPN")
    authors = [focal_point, *(make_user("contributor", "JPN") for _ in range(4))]
    return response_of("JPN"), authors


def test_the_largest_section_takes_as_few_queries_as_the_smallest(app, client, japan):
    response, authors = japan
    largest, smallest = sections_by_size(response)
    answer_everything(response, [largest, smallest], authors)

    large = statements_for(app, client, f"/responses/{response.id}/sections/{largest}")
    small = statements_for(app, client, f"/responses/{response.id}/sections/{smallest}")

    assert len(large) == len(small), "\n\n".join(large)
    assert len(large) <= MOST_STATEMENTS, "\n\n".join(large)


def test_a_section_in_another_language_takes_no_more_queries(app, client, japan):
    """The questionnaire's translation is made from the outline kept in memory."""
    response, (focal_point, *_others) = japan
    largest, _smallest = sections_by_size(response)
    url = f"/responses/{response.id}/sections/{largest}"
    english = statements_for(app, client, url)

    focal_point.locale = "fr"
    db.session.commit()
    french = statements_for(app, client, url)

    assert "Pleinement mis en œuvre" in client.get(url).get_data(as_text=True)
    assert len(french) == len(english), "\n\n".join(french)


def doubled_section(definition: dict, section_key: str) -> dict:
    """The definition with a copy of every paragraph of one section added to it (numbered
    after the last paragraph, with their own question keys)."""
    section = next(s for s in definition["sections"] if s["key"] == section_key)
    last_number = max(p["number"] for p in definition["paragraphs"])
    copies = []
    for paragraph in definition["paragraphs"]:
        if paragraph["section"] != section["title"] or not paragraph["questions"]:
            continue
        number = last_number + 1 + len(copies)
        old, new = f"p{paragraph['number']}.", f"p{number}."
        questions = []
        for question in paragraph["questions"]:
            condition = question["condition"]
            if condition:
                condition = {**condition, "question": condition["question"].replace(old, new)}
            questions.append({**question, "key": question["key"].replace(old, new),
                              "condition": condition})
        copies.append({**paragraph, "number": number, "questions": questions})
    return {**definition, "paragraphs": [*definition["paragraphs"], *copies]}


def test_a_version_with_more_paragraphs_takes_no_more_queries(app, client, japan):
    response, authors = japan
    largest, _smallest = sections_by_size(response)
    answer_everything(response, [largest], authors)
    url = f"/responses/{response.id}/sections/{largest}"
    before = statements_for(app, client, url)
    paragraphs_before = sum(1 for _ in outline_for(response).sections_by_key[largest]
                            .all_paragraphs())

    cycle = current_cycle()
    bigger = import_definition(doubled_section(
        export_definition(cycle.questionnaire_version), largest))
    publish_version(bigger, actor=None)
    move_to_version(cycle, bigger, actor=None)
    db.session.commit()
    response = response_of("JPN")
    answer_everything(response, [largest], authors)
    paragraphs_after = sum(1 for _ in outline_for(response).sections_by_key[largest]
                           .all_paragraphs())
    after = statements_for(app, client, url)

    assert paragraphs_after > paragraphs_before
    assert len(after) == len(before), "\n\n".join(after)


def test_an_autosave_of_one_answer_is_one_statement_on_postgresql(app, client, japan):
    """Autosave's case, on a response already started: PostgreSQL writes the answer, its
    audit event and the response's revision in one statement; the general path (SQLite) in
    four. Either way the answer, the event and the revision come out the same."""
    from survey.core.audit import AuditEvent
    from tests.responses.helpers import tokens_on_page

    response, (focal_point, *_others) = japan
    answer_everything(response, ["general"], [focal_point])
    outline = outline_for(response)
    section = outline.sections_by_key["general"]
    key = next(q.key for q in section.all_questions() if q.type.value == "long_text")
    before_value = services.answer_values(response)[key]
    revision_before = response.revision
    page = client.get(f"/responses/{response.id}/sections/general").get_data(as_text=True)
    base = tokens_on_page(page)[key]
    url = f"/responses/{response.id}/autosave"

    with statements(app) as sent:
        reply = client.post(url, json={
            "changes": [{"key": key, "value": "Revised, line one.\nLine two.", "base": base}]})
    assert reply.status_code == 200 and key in reply.json["saved"], reply.json
    # The sign-in (with the session) and the response, then the save.
    on_postgresql = db.engine.dialect.name == "postgresql"
    assert len(sent) == (3 if on_postgresql else 6), "\n".join(s[:70] for s in sent)

    db.session.expire_all()
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.object_id == f"{response.id}:{key}").order_by(AuditEvent.id.desc())).first()
    assert event.action == "answer.saved" and event.actor_id == focal_point.id
    assert event.state_id == response.state_id
    assert event.before == {"value": before_value, "revision": 1}
    assert event.after == {"value": "Revised, line one.\nLine two.", "revision": 2}
    assert reply.json["saved"][key].startswith("2:")
    assert services.answer_values(response)[key] == "Revised, line one.\nLine two."
    assert response.revision == revision_before + 1
    assert response.last_activity_by_id == focal_point.id


def test_a_contributors_sections_cost_no_statement_of_their_own(app, client, login_as):
    """The sections a contributor may edit come with the signed-in user: their autosave
    sends as many statements as the focal point's."""
    from survey.core.db import db
    from tests.responses.helpers import save, tokens_on_page

    contributor = login_as("contributor", "JPN")
    response = response_of("JPN")
    outline = outline_for(response)
    services.assign_sections(contributor, ["general", "I"], outline, actor=contributor)
    save(response, contributor, general__coordinating_institution="Ministry of Justice")
    page = client.get(f"/responses/{response.id}/sections/general").get_data(as_text=True)
    base = tokens_on_page(page)["general.coordinating_institution"]
    url = f"/responses/{response.id}/autosave"

    with statements(app) as sent:
        reply = client.post(url, json={"changes": [{
            "key": "general.coordinating_institution", "value": "Cabinet Office", "base": base}]})
    assert reply.status_code == 200 and reply.json["saved"], reply.json
    assert len(sent) == (3 if db.engine.dialect.name == "postgresql" else 6), \
        "\n".join(s[:70] for s in sent)
    # And the assignment still decides: a section not assigned is refused.
    refused = client.post(url, json={"changes": [{
        "key": "p40.examples", "value": "Not mine to write.", "base": "0:"}]})
    assert refused.status_code == 409
