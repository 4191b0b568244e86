"""The CSV is written as text by survey.exports.tabular, not by csv.writer row by row: it must
be byte for byte what csv.writer makes of the export's cells (iter_csv_rows), whatever the
answers hold."""

from __future__ import annotations

import csv
import io
import random
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from survey.core.db import db
from survey.cycles.services import current_cycle
from survey.exports import tabular
from survey.exports.tabular import _csv_field, iter_csv_chunks, iter_csv_rows, write_csv
from survey.questionnaires.models import QuestionType
from survey.questionnaires.outline import outline_of
from survey.responses.models import Answer
from tests.conftest import on_postgres, response_of

# Everything csv.writer treats apart, and texts a spreadsheet would read as formulas.
AWKWARD_TEXTS = [
    'He said "yes", then left.',
    "a,b", "line one\nline two", "windows\r\nline", "old mac\rline", '"', '""', ",", "\n",
    " leading and trailing spaces ", "\ttab first", "=1+1", "+33 1 23", "-5", "@SUM(A1)",
    "\rcarriage first", "Ministère de la Justice — وزارة العدل", "法治与预防犯罪", "Правосудие",
    "emoji 🌏 outside the BMP", "\u2028line separator\u2029", "back\\slash \\n not a newline",
    "'already quoted", "null", "[]", "; ", "\x1b escape",
]


def csv_of(rows) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


@pytest.mark.parametrize("text", [*AWKWARD_TEXTS, "\x00 nul"])  # PostgreSQL stores no NUL
def test_a_field_is_quoted_as_csv_writer_quotes_it(text):
    assert _csv_field(text) + ",x\r\n" == csv_of([[text, "x"]])


def test_random_fields_are_quoted_as_csv_writer_quotes_them():
    alphabet = ['"', ",", "\n", "\r", " ", "'", "=", "a", "é", "字", "\t", "\\", ";"]
    rng = random.Random(2026)
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
        assert _csv_field(text) + ",x\r\n" == csv_of([[text, "x"]]), repr(text)


def _keys_by_type(cycle) -> dict[QuestionType, list[str]]:
    keys: dict[QuestionType, list[str]] = {}
    for question in outline_of(cycle.questionnaire_version).questions():
        keys.setdefault(question.type, []).append(question.key)
    return keys


@pytest.fixture
def awkward(app, make_user):
    """Answers of every kind and shape, some not as the form would save them, written
    straight to the table: awkward texts, numbers, lists, unknown options, a question the
    questionnaire does not know, authors with awkward names or none, review flags, times
    with and without microseconds."""
    cycle = current_cycle()
    keys = _keys_by_type(cycle)
    texts = keys[QuestionType.LONG_TEXT] + keys[QuestionType.TEXT]
    single = keys[QuestionType.SINGLE_CHOICE]
    multiple = keys[QuestionType.MULTIPLE_CHOICE]
    author = make_user("focal_point", "JPN", name='O\'Brien, "Pat"\n=cmd', email="pat@example.org")
    other = make_user("contributor", "FRA", name="@Renée Ösel-Ḿüller")
    values: list[object] = [
        *AWKWARD_TEXTS, 0, 42, -7, 2.5, 1e21, True, False, {"a": 1}, ["x", "y,z"], [1, 2],
    ]
    rng = random.Random(7)
    times = [datetime(2026, 10, 3, 18, 50, 58, 318522, tzinfo=UTC),
             datetime(2026, 10, 3, 18, 50, 58, tzinfo=UTC),
             datetime(2026, 1, 1, 0, 0, 0, 1, tzinfo=UTC)]
    for n, code in enumerate(("JPN", "FRA", "CIV")):
        response = response_of(code)
        answers = []
        for i, value in enumerate(values):
            answers.append((texts[i], value))
        answers += [
            (single[0], "partially"), (single[1], "no-such-option"), (single[2], 3),
            (multiple[0], ["government", "civil_society"]), (multiple[1], ["nope", "=evil"]),
            (multiple[2], "not-a-list"), ("p99.gone", "an answer to a question long gone"),
            ("p99.gone.number", 12), ("p99.gone.list", ["a", "b"]),
        ]
        for i, (key, value) in enumerate(answers):
            db.session.add(Answer(
                response_id=response.id, question_key=key, value=value,
                updated_at=times[(i + n) % len(times)],
                updated_by_id=(author.id, other.id, None)[(i + n) % 3],
                needs_review=rng.random() < 0.3))
    db.session.commit()
    return cycle


@pytest.mark.parametrize(("excel_safe", "most_choices"), [(False, None), (True, None), (False, 2)])
def test_the_csv_is_what_csv_writer_makes_of_its_cells(awkward, excel_safe, most_choices,
                                                        monkeypatch):
    if most_choices:  # the choices' cells formatted once, forgotten every other time
        monkeypatch.setattr(tabular, "_MOST_CHOICES", most_choices)
    expected = csv_of(iter_csv_rows(awkward, excel_safe=excel_safe))
    assert expected.count("\r\n") > 3 * 40  # the rows are there
    file = io.StringIO(newline="")
    write_csv(awkward, file, excel_safe=excel_safe)
    assert file.getvalue() == expected
    streamed = "".join(iter_csv_chunks(awkward, excel_safe=excel_safe))
    assert streamed == "\ufeff" + expected


@pytest.mark.skipif(on_postgres(), reason="SQLite's stored forms")
def test_texts_and_times_stored_in_other_forms_are_read_as_the_column_types_read_them(awkward):
    """Not as SQLAlchemy writes them: the CSV takes the quick way only for the forms it
    knows."""
    keys = _keys_by_type(awkward)
    connection = db.session.connection()
    long_texts = keys[QuestionType.LONG_TEXT]
    for key, stored, time in [
        (long_texts[0], ' "spaces around the JSON" ', "2026-10-03 18:50:58"),
        (long_texts[1], '"raw \u00e9 and \\u00e9"', "2026-10-03 18:50:58.5"),
        (long_texts[2], '"a"', "2026-10-03T18:50:58.318522"),
    ]:
        connection.execute(
            sa.update(Answer).where(Answer.question_key == key)
            .values(value=sa.literal_column(f"'{stored}'"),
                    updated_at=sa.literal_column(f"'{time}'")))
    db.session.commit()
    expected = csv_of(iter_csv_rows(awkward))
    assert "spaces around the JSON" in expected and "raw é and é" in expected
    file = io.StringIO(newline="")
    write_csv(awkward, file)
    assert file.getvalue() == expected
