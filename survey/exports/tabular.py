"""A cycle's answers as CSV and as an XLSX workbook.

CSV: one row per State and question answered (see rows.COLUMNS), UTF-8; produced a response
at a time. XLSX: written by openpyxl in write-only mode (rows go straight to temporary files),
one sheet per section (one row per State and question answered, SHEET_COLUMNS), a sheet of
the answers to removed questions, one of States and one of questions. Neither grows in memory
with the number of States.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from json.decoder import scanstring
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

from survey.admin.progress import required_progress
from survey.core.db import db
from survey.cycles.models import ReportingCycle
from survey.exports.rows import (
    COLUMNS,
    AnswerRow,
    CycleAnswers,
    ExportQuestion,
    ExportResponse,
    join_values,
)
from survey.responses.models import Answer

# Characters that make a spreadsheet read a cell as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# --- CSV ------------------------------------------------------------------------------------

def iter_csv_rows(cycle: ReportingCycle, *, excel_safe: bool = False) -> Iterator[list[Any]]:
    """The header, then one row per State and question answered.

    :param excel_safe: prefix texts a spreadsheet would take for a formula with ``'``
    """
    yield list(COLUMNS)
    for _response, rows in _csv_batches(CycleAnswers(cycle), excel_safe):
        yield from rows


def _csv_cell(value: Any, excel_safe: bool) -> Any:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.isoformat()
    if value is None:
        return ""
    if excel_safe and isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv_batches(answers: CycleAnswers, excel_safe: bool,
                 ) -> Iterator[tuple[ExportResponse, list[list[Any]]]]:
    """Each response with its rows as CSV cells, in :data:`COLUMNS` order. What repeats on
    many rows (a State's columns, a question's, an option's label, an author's name) is
    converted once, not once per row: 154,400 rows for 193 States."""
    version = answers.version.number
    question_cells: dict[str, list[Any]] = {}
    labels: dict[str, dict[str, str]] = {}  # option labels by question and value
    people: dict[str | None, Any] = {}

    def cell(value: Any) -> Any:
        return _csv_cell(value, excel_safe)

    for response, rows in answers.answer_batches():
        head = [cell(v) for v in (*response.cells, version)]
        lines = []
        for question, value, needs_review, by, email, updated_at, asked in rows:
            middle = question_cells.get(question.key)
            if middle is None:
                middle = question_cells[question.key] = [cell(v) for v in question.cells]
            if question.type.is_choice:
                options = labels.get(question.key)
                if options is None:
                    options = labels[question.key] = question.labels
                chosen = value if isinstance(value, list) else (value,)
                label = cell("; ".join(options.get(str(v), str(v)) for v in chosen))
            else:
                label = ""
            if by not in people:
                people[by] = cell(by or "")
            if email not in people:
                people[email] = cell(email or "")
            lines.append([
                *head, *middle,
                cell(value if isinstance(value, int | float) else join_values(value)), label,
                "yes" if question.removed else "no", "yes" if asked else "no",
                "yes" if needs_review else "no", people[by], people[email], cell(updated_at)])
        yield response, lines


def iter_csv_chunks(cycle: ReportingCycle, *, excel_safe: bool = True,
                    byte_order_mark: bool = True) -> Iterator[str]:
    """The CSV as text chunks (one per response), for a streamed download. The byte order
    mark lets spreadsheet programs see UTF-8, so every script shows correctly.

    What describes the export is read now, while the request's database session lives; the
    answers as the chunks are taken (see survey.exports.documents.iter_json_chunks)."""
    head = ("\ufeff" if byte_order_mark else "") + _csv_fragment(COLUMNS) + "\r\n"
    return _csv_chunks(head, CycleAnswers(cycle), excel_safe)


def _csv_chunks(head: str, answers: CycleAnswers, excel_safe: bool) -> Iterator[str]:
    yield head
    for _count, text in _csv_texts(answers, excel_safe):
        yield text


def write_csv(cycle: ReportingCycle, file: IO[str], *, excel_safe: bool = False) -> int:
    """Write the CSV to an open text file (opened with ``newline=""``); returns the number
    of answer rows."""
    file.write(_csv_fragment(COLUMNS) + "\r\n")
    total = 0
    for count, text in _csv_texts(CycleAnswers(cycle), excel_safe):
        file.write(text)
        total += count
    return total


# The CSV's text is written here rather than by csv.writer, which costs twice the floor's
# reading and decoding for the long answers (it copies a text a character at a time). What
# repeats is still formatted by csv.writer (_csv_fragment), once; each answer's value by
# _csv_field, which quotes as csv.writer's default dialect does (a test compares the two).

def _csv_field(text: str) -> str:
    """A text as csv.writer (the "excel" dialect, QUOTE_MINIMAL) writes it: quoted if it
    holds a comma, a quote or a line break, its quotes doubled."""
    if '"' in text:
        return '"' + text.replace('"', '""') + '"'
    if "\n" in text or "," in text or "\r" in text:
        return '"' + text + '"'
    return text


def _csv_fragment(cells: Iterable[Any]) -> str:
    """Cells as csv.writer writes them, without the line's end."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow(cells)
    return buffer.getvalue().removesuffix("\r\n")


_STORED_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}")


def _csv_texts(answers: CycleAnswers, excel_safe: bool) -> Iterator[tuple[int, str]]:
    """Each response's rows as CSV text (the cells of :func:`_csv_batches`, byte for byte),
    with their number. A State's columns, a question's, a choice's value and labels and an
    author's columns are formatted once; a text answer's JSON string is decoded by the JSON
    module's scanner (json.loads less its checks for other types); SQLite's stored times
    are made isoformat() text without parsing them."""
    version = answers.version.number
    dialect = db.session.connection().dialect
    time_type = Answer.__table__.c.updated_at.type.dialect_impl(dialect)
    read_time = time_type.result_processor(dialect, None) or (lambda value: value)
    match_time = _STORED_TIME.fullmatch
    # By question key: its columns up to the value; for a choice, its option labels and its
    # answers' value and label cells by stored JSON (None for other types); "yes," or "no,"
    # (removed).
    questions: dict[str, tuple[str, dict[str, str] | None, dict[str, str] | None, str]] = {}
    choices = 0  # value and label cells kept
    people: dict[tuple[str | None, str | None], str] = {}

    def cell(value: Any) -> Any:
        return _csv_cell(value, excel_safe)

    def formatted(value: Any) -> str:
        return _csv_field(value) if isinstance(value, str) else _csv_fragment([value])

    def value_and_label(stored: str, options: dict[str, str] | None) -> str:
        """The value and value_label cells as _csv_batches makes them, formatted."""
        value = json.loads(stored)
        if options is None:
            label = ""
        else:
            chosen = value if isinstance(value, list) else (value,)
            label = cell("; ".join(options.get(str(v), str(v)) for v in chosen))
        return (formatted(cell(value if isinstance(value, int | float) else join_values(value)))
                + "," + formatted(label))

    def line(question: ExportQuestion, stored: str, needs_review: Any, by: str | None,
             email: str | None, updated_at: Any, asked: bool) -> str:
        """The row's text after the State's columns, without the line's end."""
        nonlocal choices
        known = questions.get(question.key)
        if known is None:
            options = question.labels if question.type.is_choice else None
            known = questions[question.key] = (
                _csv_fragment([cell(v) for v in question.cells]) + ",", options,
                None if options is None else {}, "yes," if question.removed else "no,")
        middle, options, chosen, removed = known
        if chosen is not None:
            pair = chosen.get(stored)
            if pair is None:
                if choices >= _MOST_CHOICES:
                    for _, _, kept, _ in questions.values():
                        if kept:
                            kept.clear()
                    choices = 0
                pair = chosen[stored] = value_and_label(stored, options)
                choices += 1
        elif stored.startswith('"'):
            text, end = scanstring(stored, 1)
            if end == len(stored):
                if excel_safe and text.startswith(_FORMULA_START):
                    text = "'" + text
                pair = _csv_field(text) + ","
            else:
                pair = value_and_label(stored, None)
        else:
            pair = value_and_label(stored, None)
        author = people.get((by, email))
        if author is None:
            author = people[by, email] = (
                _csv_field(cell(by or "")) + "," + _csv_field(cell(email or "")) + ",")
        if type(updated_at) is str and match_time(updated_at):
            stamp = (updated_at[:10] + "T" + updated_at[11:19] + "+00:00"
                    if updated_at.endswith(".000000")  # isoformat() leaves them out
                    else updated_at[:10] + "T" + updated_at[11:] + "+00:00")
        elif type(updated_at) is datetime and updated_at.tzinfo is None:  # PostgreSQL: UTC
            stamp = updated_at.isoformat() + "+00:00"  # what the type's replace(tzinfo=UTC) gives
        else:
            stamp = cell(read_time(updated_at))
        return "".join((middle, pair, ",", removed, "yes," if asked else "no,",
                        "yes," if needs_review else "no,", author, stamp))

    for response, lines in answers.stored_answer_batches(line):
        if lines:
            # Each line starts with the State's columns: joined in, not added to each.
            head = _csv_fragment([cell(v) for v in (*response.cells, version)]) + ","
            yield len(lines), head + ("\r\n" + head).join(lines) + "\r\n"


# The choices' cells formatted once are forgotten beyond this many, so that memory stays
# flat: 193 States have 18,914 (question, stored value) pairs, 3.5 MB kept if all are.
_MOST_CHOICES = 8_000


# --- XLSX -----------------------------------------------------------------------------------

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def write_xlsx(cycle: ReportingCycle, file: str | IO[bytes]) -> int:
    """Write the workbook to a path or a binary file; returns the number of answer rows."""
    answers = CycleAnswers(cycle)
    outline = answers.outline
    workbook = Workbook(write_only=True)
    states = workbook.create_sheet("States")
    questions = workbook.create_sheet("Questions")
    names: set[str] = {"States", "Questions"}
    by_section: dict[str, WriteOnlyWorksheet] = {}
    for section in outline.answerable_sections():
        sheet = workbook.create_sheet(sheet_name(f"{section.key} {section.title}", names))
        by_section[section.key] = sheet
    removed = workbook.create_sheet(sheet_name("Removed questions", names))
    for sheet in (*by_section.values(), removed):
        sheet.append(SHEET_COLUMNS)

    questions.append(["question_key", "section_key", "section", "paragraph", "question",
                      "question_type", "required", "condition", "options", "question_removed"])
    for question in answers.questions.values():
        condition = (f"{question.condition[0]} in {', '.join(sorted(question.condition[1]))}"
                     if question.condition else "")
        questions.append(xlsx_cells(questions, [
            question.key, question.section_key, question.section_title,
            question.paragraph_number, question.label, question.type.value, question.required,
            condition, "; ".join(f"{o.value}={o.label}" for o in question.options),
            question.removed]))

    counts = required_progress(cycle, outline)
    states.append(["state_code", "state_name", "regional_group", "participant_kind",
                   "response_status", "required_questions", "required_answered",
                   "answers", "submitted_at_utc", "authorised_by", "authorised_by_title",
                   "last_activity_at_utc"])
    total = 0
    for response, rows in answers.batches():
        for row in rows:
            sheet = removed if row.question.removed else by_section[row.question.section_key]
            sheet.append(xlsx_cells(sheet, _sheet_row(row)))
        total += len(rows)
        required, answered = counts.of(response.response_id)
        states.append(xlsx_cells(states, [
            response.state_code, response.state_name, response.regional_group.value,
            response.kind.value, response.status.value, required, answered, len(rows),
            response.submitted_at, response.authorised_by_name, response.authorised_by_title,
            response.last_activity_at]))
    workbook.save(file)
    return total


# The columns of a section's sheet: those of the CSV that do not repeat what the sheet, the
# States sheet or the Questions sheet say already (fewer cells: a faster, smaller file).
SHEET_COLUMNS: tuple[str, ...] = (
    "state_code", "state_name", "regional_group", "response_status", "paragraph",
    "question_key", "question", "value", "value_label", "question_asked", "needs_review",
    "updated_by", "updated_at_utc")


def _sheet_row(row: AnswerRow) -> list[Any]:
    response, question = row.response, row.question
    return [
        response.state_code, response.state_name, response.regional_group.value,
        response.status.value, question.paragraph_number, question.key, question.label,
        row.value if isinstance(row.value, int | float) else row.value_text, row.label_text,
        row.asked, row.needs_review, row.updated_by, row.updated_at,
    ]


def xlsx_cells(sheet: Worksheet | WriteOnlyWorksheet, values: list[Any]) -> list[Any]:
    """Values a sheet accepts as they are (to append them): texts never read as formulas,
    without the control characters XML refuses, times in UTC without a zone (Excel has
    none). The one guard against formula injection for every workbook the app writes."""
    cells: list[Any] = []
    for value in values:
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
            if value.startswith("="):  # openpyxl would store it as a formula
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"
                value = cell
            cells.append(value)
        elif isinstance(value, datetime):
            cells.append(value.astimezone(UTC).replace(tzinfo=None))
        else:
            cells.append(value)
    return cells


def sheet_name(wanted: str, taken: set[str]) -> str:
    """A valid, unique sheet name (at most 31 characters, none of []:*?/\\)."""
    base = _SHEET_NAME_FORBIDDEN.sub(" ", wanted).strip()[:31] or "Sheet"
    name, n = base, 1
    while name.lower() in {t.lower() for t in taken}:
        n += 1
        suffix = f" ({n})"
        name = base[:31 - len(suffix)] + suffix
    taken.add(name)
    return name


def export_file_name(cycle: ReportingCycle, extension: str, state_code: str | None = None) -> str:
    """kyoto-answers-2026.csv, kyoto-answers-2026-JPN.json"""
    parts = ["kyoto-answers", cycle.slug, *([state_code] if state_code else [])]
    return "-".join(parts) + "." + extension

