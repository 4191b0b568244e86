"""A State's questionnaire as a workbook to answer offline, and its answers read back.

The download has an Instructions sheet, one sheet per top-level section (a row per question:
its paragraph, label, help, the answers allowed, the answer, and, hidden, the question key
and the base token of the answer shown), a hidden list of option labels for the dropdowns,
and a hidden sheet naming the response, State and questionnaire version it was made for.

An upload is saved exactly as the section pages save: each answer cell becomes a
:class:`~survey.responses.services.Change` with the base token from the file, and one call
to :func:`~survey.responses.services.save_answers` validates, detects conflicts and keeps
the audit trail. Nothing the user wrote is lost: what is not saved is listed with the sheet
and row where it still is.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from collections import Counter
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from survey.auth.models import User
from survey.core.audit import record_event
from survey.core.db import utcnow
from survey.core.errors import DomainError
from survey.core.i18n import day, text_direction, when
from survey.exports.tabular import sheet_name, xlsx_cells
from survey.questionnaires.models import QuestionType, SectionKind
from survey.questionnaires.outline import Outline, QuestionItem, SectionItem
from survey.reports.national import report_filename
from survey.responses import services
from survey.responses.models import Answer, Response
from survey.states.services import state_name

log = logging.getLogger(__name__)

FORMAT = "kyoto-offline-workbook/1"
META_SHEET = "kyoto-workbook"  # hidden: what the workbook was made for
LISTS_SHEET = "kyoto-lists"  # hidden: the option labels the dropdowns offer
KEY_HEADER, TOKEN_HEADER = "question_key", "base_token"  # not translated: read back

# A section sheet's columns, in order (1-based numbers below).
PARAGRAPH, TEXT, QUESTION, HELP, REQUIRED, ALLOWED, ANSWER, KEY, TOKEN = range(1, 10)
_WIDTHS = {PARAGRAPH: 11, TEXT: 60, QUESTION: 42, HELP: 42, REQUIRED: 11, ALLOWED: 34,
           ANSWER: 55, KEY: 24, TOKEN: 24}
# A workbook of one State's questionnaire unpacks to a few megabytes; a file that claims
# far more is refused before openpyxl holds its shared strings in memory.
MAX_UNPACKED_BYTES = 64 * 1024 * 1024

_ANSWER_FILL = PatternFill("solid", start_color="FFF2CC")  # the yellow "Answer" column
_HEADER_FILL = PatternFill("solid", start_color="D9E2F3")
_WRAP = Alignment(wrap_text=True, vertical="top")


# --- the download ----------------------------------------------------------------------------

def instructions() -> list[str]:
    """How to answer offline, as the Instructions sheet and the upload page say it."""
    return [
        _("Answer in the yellow “Answer” column only. Do not change the other columns, "
          "add or remove rows, or rename the sheets."),
        _("Where a cell offers a list, choose an option from it. Where several options may "
          "be chosen, write them as given under “Allowed answers”, separated by “;”."),
        _("Write numbers as numbers (1250 or 12.5) and dates as year-month-day "
          "(2026-03-31)."),
        _("Leave a cell empty to give no answer. Emptying a cell that had an answer removes "
          "that answer."),
        _("Some questions apply only when another answer is given: their guidance says "
          "when."),
        _("Save the file as an Excel workbook (.xlsx) and upload it on your response page, "
          "under “Work offline”. Only the sections you may edit are saved; the others are "
          "shown for reference and their answers are locked."),
        _("Answers changed online after you downloaded this file are not overwritten: the "
          "upload shows both versions and you choose which to keep."),
    ]


def file_name(response: Response) -> str:
    """kyoto-self-assessment-JPN-2026-offline.xlsx: the report's name, so the two sort
    together."""
    return report_filename(response).removesuffix(".pdf") + "-offline.xlsx"


def build_workbook(response: Response, outline: Outline, answers: Mapping[str, Answer], *,
                   editable: Collection[str], lock_reason: str | None,
                   upload_url: str) -> bytes:
    """The questionnaire with the current answers, as an XLSX file, in the user's language.

    :param answers: the response's answers by question key
    :param editable: the top-level sections whose answers the user may change (the others'
        answer cells stay locked)
    :param lock_reason: why nobody may change the response now, if so
    :param upload_url: where to upload the workbook once filled in
    """
    book = Workbook()
    taken = {LISTS_SHEET, META_SHEET}
    _instructions_sheet(book.active, response, outline, lock_reason, upload_url, taken)
    lists = _OptionLists(book.create_sheet(LISTS_SHEET))
    for section in outline.answerable_sections():
        sheet = book.create_sheet(sheet_name(_sheet_title(section), taken))
        _section_sheet(sheet, outline, section, answers, lists,
                       editable=section.key in editable and lock_reason is None)
    meta = book.create_sheet(META_SHEET)
    for row in (("format", FORMAT), ("response_id", response.id),
                ("state_code", response.state.code), ("cycle", response.cycle.slug),
                ("questionnaire_version_id", outline.version_id),
                ("questionnaire_version", outline.version_number),
                ("generated_at_utc", utcnow().isoformat(timespec="seconds"))):
        meta.append(xlsx_cells(meta, list(row)))
    book.move_sheet(lists.sheet, offset=len(book.sheetnames) - 1 - book.index(lists.sheet))
    for hidden in (meta, lists.sheet):
        hidden.sheet_state = "veryHidden"
        hidden.protection.enable()
    if text_direction() == "rtl":
        for sheet in book.worksheets:
            sheet.sheet_view.rightToLeft = True
    # Without a password: against accidents (a renamed or deleted sheet), not people.
    book.security = WorkbookProtection(lockStructure=True)
    book.properties.title = _("Kyoto Declaration self-assessment")
    book.properties.creator = _("Kyoto Declaration self-assessment")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet_title(section: SectionItem) -> str:
    # A pillar's numeral tells the sheets apart when their titles are cut to 31 characters.
    return f"{section.key} {section.title}" if section.kind is SectionKind.OPERATIVE \
        else section.title


def _instructions_sheet(sheet: Worksheet, response: Response, outline: Outline,
                        lock_reason: str | None, upload_url: str, taken: set[str]) -> None:
    sheet.title = sheet_name(_("Instructions"), taken)
    sheet.append(xlsx_cells(sheet, [_("Kyoto Declaration self-assessment: the questionnaire "
                                      "to answer offline")]))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([])
    facts = [
        (_("State"), state_name(response.state)),
        (_("Reporting cycle"), response.cycle.name),
        (_("Questionnaire version"), str(outline.version_number)),
        (_("Generated"), when(utcnow())),
        (_("Deadline"), day(response.deadline)),
        (_("Upload it at"), upload_url),
    ]
    for name, value in facts:
        sheet.append(xlsx_cells(sheet, [name, value]))
        sheet.cell(sheet.max_row, 1).font = Font(bold=True)
    if lock_reason:
        sheet.append([])
        sheet.append(xlsx_cells(sheet, [_("Note"), lock_reason]))
        sheet.cell(sheet.max_row, 1).font = Font(bold=True)
    sheet.append([])
    sheet.append(xlsx_cells(sheet, [_("How to answer")]))
    sheet.cell(sheet.max_row, 1).font = Font(bold=True, size=12)
    for number, line in enumerate(instructions(), start=1):
        sheet.append(xlsx_cells(sheet, [f"{number}.", line]))
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 100
    for row in sheet.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = _WRAP
    sheet.protection.enable()


class _OptionLists:
    """A hidden sheet with a column of labels per set of options: a dropdown refers to a
    range (an inline list cannot hold commas and is limited to 255 characters)."""

    def __init__(self, sheet: Worksheet) -> None:
        self.sheet = sheet
        self._ranges: dict[tuple[str, ...], str] = {}

    def range_of(self, labels: tuple[str, ...]) -> str:
        if labels not in self._ranges:
            column = get_column_letter(len(self._ranges) + 1)
            for row, label in enumerate(labels, start=1):
                [value] = xlsx_cells(self.sheet, [label])
                self.sheet[f"{column}{row}"] = value
            self._ranges[labels] = (f"{quote_sheetname(self.sheet.title)}!"
                                    f"${column}$1:${column}${len(labels)}")
        return self._ranges[labels]


def _section_sheet(sheet: Worksheet, outline: Outline, section: SectionItem,
                   answers: Mapping[str, Answer], lists: _OptionLists, *,
                   editable: bool) -> None:
    headers = {PARAGRAPH: _("Paragraph"), TEXT: _("Text of the paragraph"),
               QUESTION: _("Question"), HELP: _("Guidance"), REQUIRED: _("Required"),
               ALLOWED: _("Allowed answers"), ANSWER: _("Answer"), KEY: KEY_HEADER,
               TOKEN: TOKEN_HEADER}
    sheet.append(xlsx_cells(sheet, [headers[c] for c in sorted(headers)]))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = _WRAP
    dropdowns: dict[str, DataValidation] = {}
    for heading, paragraph_text, question in _rows(section):
        if question is None:  # a subsection's title
            sheet.append(xlsx_cells(sheet, [None, heading]))
            sheet.cell(sheet.max_row, TEXT).font = Font(bold=True, size=12)
            continue
        answer = answers.get(question.key)
        row = [question.paragraph_number, paragraph_text, question.label,
               _guidance(question, outline), _("Yes") if question.required else _("No"),
               _allowed(question), cell_value(question, answer.value if answer else None),
               question.key, services.answer_token(answer)]
        sheet.append(xlsx_cells(sheet, row))
        number = sheet.max_row
        for cell in sheet[number]:
            cell.alignment = _WRAP
        answer_cell = sheet.cell(number, ANSWER)
        answer_cell.number_format = _number_format(question, answer_cell.value)
        if editable:
            answer_cell.protection = Protection(locked=False)
            answer_cell.fill = _ANSWER_FILL
            if question.type is QuestionType.SINGLE_CHOICE and question.options:
                labels = tuple(o.label for o in question.options)
                source = lists.range_of(labels)
                if source not in dropdowns:
                    dropdowns[source] = DataValidation(
                        type="list", formula1=source, allow_blank=True, showErrorMessage=True,
                        errorTitle=_("Not an option"),
                        error=_("Choose one of the options in the list, or leave the cell "
                                "empty."))
                    sheet.add_data_validation(dropdowns[source])
                dropdowns[source].add(answer_cell)
    for column, width in _WIDTHS.items():
        sheet.column_dimensions[get_column_letter(column)].width = width
    for column in (KEY, TOKEN):
        sheet.column_dimensions[get_column_letter(column)].hidden = True
    sheet.freeze_panes = "A2"
    # Without a password: it keeps the questionnaire from being edited by accident; column
    # widths and row heights may still be changed.
    sheet.protection.enable()
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False


def _rows(section: SectionItem, *, heading: bool = False,
          ) -> Iterator[tuple[str | None, str | None, QuestionItem | None]]:
    """(subsection title, paragraph text, question) in the order of ``all_questions()``: a
    subsection's title alone on its row; a paragraph's text on its first question's row."""
    if heading:
        yield section.title, None, None
    for question in section.own_questions:
        yield None, None, question
    for paragraph in section.paragraphs:
        for index, question in enumerate(paragraph.questions):
            yield None, paragraph.text if index == 0 else None, question
    for subsection in section.subsections:
        if subsection.has_questions:
            yield from _rows(subsection, heading=True)


def _guidance(question: QuestionItem, outline: Outline) -> str:
    lines = [question.help] if question.help else []
    if question.condition:
        source_key, accepted = question.condition
        source = outline.questions_by_key.get(source_key)
        if source is not None:
            lines.append(_("Answer if “%(question)s” is: %(values)s.", question=source.label,
                           values=", ".join(o.label for o in source.options
                                            if o.value in accepted)))
    return "\n".join(lines)


def _allowed(question: QuestionItem) -> str:
    labels = "\n".join(o.label for o in question.options)
    match question.type:
        case QuestionType.SINGLE_CHOICE:
            return _("One of:") + "\n" + labels
        case QuestionType.MULTIPLE_CHOICE:
            return _("One or more of, separated by “;”:") + "\n" + labels
        case QuestionType.NUMBER:
            return _("Enter a number, for example 1250 or 12.5.")
        case QuestionType.DATE:
            return _("Enter a date as year-month-day, e.g. 2026-03-31.")
        case QuestionType.EMAIL:
            return _("Enter an e-mail address, e.g. name@example.org.")
    if question.max_length:
        return _("Text, at most %(limit)d characters.", limit=question.max_length)
    return _("Text")


def _number_format(question: QuestionItem, value: Any) -> str:
    if question.type is QuestionType.NUMBER:
        return "General"
    if question.type is QuestionType.DATE and isinstance(value, date):
        return "yyyy-mm-dd"
    # Text: the spreadsheet keeps what is typed as it is (no "1/2" turned into a date,
    # no "=..." into a formula).
    return "@"


def cell_value(question: QuestionItem, value: Any) -> Any:
    """An answer as the workbook shows it: option labels, not values; a date as a date."""
    if value is None:
        return None
    if isinstance(value, list):
        return "; ".join(question.option_label(str(v)) for v in value)
    if question.is_choice and isinstance(value, str):
        return question.option_label(value)
    if question.type is QuestionType.DATE and isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value  # an earlier answer that is not a date: shown as it is
    return value


# --- reading a returned workbook -------------------------------------------------------------

class WorkbookRefused(DomainError):
    """The file is not a workbook of this response that can be read; nothing is saved."""


@dataclass(frozen=True)
class WorkbookCell:
    """One answer cell of a returned workbook, as the user left it."""

    sheet: str
    row: int
    key: str
    token: str  # the base token of the answer the workbook showed
    value: Any  # as openpyxl reads it: text, a number, a datetime, or None


def read_workbook(data: bytes, response: Response, outline: Outline) -> list[WorkbookCell]:
    """The answer cells of a workbook made for this response, in sheet and row order.

    :raises WorkbookRefused: not an XLSX file, unreadable, too large, made for another
        response or questionnaire version, or without the expected columns
    """
    _check_package(data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of errors on a damaged file
        log.info("workbook upload: cannot open the file: %r", exc)
        raise WorkbookRefused(_unreadable()) from exc
    try:
        _check_identity(_meta(book), response, outline)
        # No sheet of ours has more rows than the whole questionnaire and its headings.
        limit = 1 + len(outline.questions_by_key) + len(outline.sections_by_key)
        return _answer_cells(book, limit)
    except WorkbookRefused:
        raise
    except Exception as exc:  # a damaged sheet fails only when it is read
        log.info("workbook upload: cannot read the file: %r", exc)
        raise WorkbookRefused(_unreadable()) from exc
    finally:
        book.close()


def _unreadable() -> str:
    return _("This workbook could not be read; it may be damaged. Open it in your spreadsheet "
             "program, save it again as an Excel workbook (.xlsx), and upload it again.")


def _check_package(data: bytes) -> None:
    not_xlsx = _("This file is not an Excel workbook (.xlsx). Upload the workbook downloaded "
                 "here, saved as an Excel workbook (.xlsx).")
    if not data.startswith(b"PK\x03\x04"):  # every XLSX file is a ZIP package
        raise WorkbookRefused(not_xlsx)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            entries = package.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise WorkbookRefused(_unreadable()) from exc
    names = {entry.filename for entry in entries}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise WorkbookRefused(not_xlsx)  # an OpenDocument or Word file, say
    if sum(entry.file_size for entry in entries) > MAX_UNPACKED_BYTES:
        raise WorkbookRefused(_("This workbook is too large to be read. Upload the workbook "
                                "downloaded here, with your answers only."))


def _meta(book: Workbook) -> dict[str, str]:
    if META_SHEET not in book.sheetnames:
        return {}
    rows = book[META_SHEET].iter_rows(max_row=20, max_col=2, values_only=True)
    return {str(name): str(value) for name, value, *_rest in rows if name is not None}


def _check_identity(meta: Mapping[str, str], response: Response, outline: Outline) -> None:
    """A guard against mistakes (another State's file, an older cycle's), not against
    forgery: whoever uploads may edit this response anyway."""
    if meta.get("format") != FORMAT:
        raise WorkbookRefused(_(
            "This workbook was not downloaded from this site, or its hidden information was "
            "removed. Download the questionnaire as a spreadsheet from your response page "
            "and copy your answers into it."))
    if meta.get("state_code") != response.state.code:
        raise WorkbookRefused(_(
            "This workbook is the questionnaire of another State (%(code)s), not of "
            "%(state)s.", code=meta.get("state_code", "?"), state=state_name(response.state)))
    if meta.get("response_id") != str(response.id):
        raise WorkbookRefused(_(
            "This workbook belongs to another reporting cycle (%(cycle)s), not to "
            "%(current)s.", cycle=meta.get("cycle", "?"), current=response.cycle.name))
    if meta.get("questionnaire_version_id") != str(outline.version_id):
        raise WorkbookRefused(_(
            "The questionnaire has changed since this workbook was downloaded. Download it "
            "again and copy your answers into the new workbook."))


def _answer_cells(book: Workbook, limit: int) -> list[WorkbookCell]:
    cells: list[WorkbookCell] = []
    found = False
    for sheet in book.worksheets:
        if sheet.title in (META_SHEET, LISTS_SHEET):
            continue
        rows = sheet.iter_rows(min_row=1, max_row=limit, max_col=TOKEN, values_only=True)
        header = list(next(rows, ()))
        if KEY_HEADER not in header:
            continue  # the Instructions, or a sheet the user added
        if header[KEY - 1:TOKEN] != [KEY_HEADER, TOKEN_HEADER]:
            raise WorkbookRefused(_(
                "The sheet “%(sheet)s” does not have the expected columns: a column may have "
                "been added, moved or deleted. Download the questionnaire again and copy your "
                "answers into the new workbook.", sheet=sheet.title))
        found = True
        for number, values in enumerate(rows, start=2):
            row = (*values, *(None,) * (TOKEN - len(values)))
            key = row[KEY - 1]
            if isinstance(key, str) and key.strip():
                cells.append(WorkbookCell(sheet.title, number, key.strip(),
                                          str(row[TOKEN - 1] or ""), row[ANSWER - 1]))
    if not found:
        raise WorkbookRefused(_(
            "This workbook has no sheet of questions with the expected columns. Download the "
            "questionnaire again and copy your answers into the new workbook."))
    return cells


def answer_value(question: QuestionItem, value: Any) -> Any:
    """What the user wrote in an answer cell, as the section form would send it: option
    labels (or values) as option values, a spreadsheet date as an ISO date, numbers as
    numbers for a number question and as text elsewhere."""
    if isinstance(value, datetime):
        value = value.date() if value.time() == time(0) else value.isoformat(" ", "minutes")
    if isinstance(value, date):
        value = value.isoformat()
    elif isinstance(value, bool):
        value = "TRUE" if value else "FALSE"  # as the spreadsheet showed it
    if value is None or question.type is QuestionType.NUMBER:
        return value  # clean_value reads numbers and refuses the rest with its message
    if isinstance(value, int | float):
        value = str(int(value)) if float(value).is_integer() else str(value)
    text = str(value)
    if question.type is QuestionType.MULTIPLE_CHOICE:
        return _option_values(question, text)
    if question.type is QuestionType.SINGLE_CHOICE and text.strip():
        return _option_value(question, text)
    return text


# What separates the options ticked in one cell: a semicolon (also the Arabic and the
# full-width one) or a new line.
_OPTION_SEPARATOR = re.compile(r"([;\n؛；])")


def _option_values(question: QuestionItem, text: str) -> list[str]:
    """The options named in a cell, split at the separators, except where a separator is
    part of an option's own label ("Policy; strategy" stays one option)."""
    labels = {option.label.strip().casefold() for option in question.options}
    parts = _OPTION_SEPARATOR.split(text)  # texts at even places, separators at odd ones
    values: list[str] = []
    start = 0
    while start < len(parts):
        end = start  # the longest run of parts, from here, that is one option's label
        for stop in range(len(parts) - 1, start, -2):
            if "".join(parts[start:stop + 1]).strip().casefold() in labels:
                end = stop
                break
        name = "".join(parts[start:end + 1])
        if name.strip():
            values.append(_option_value(question, name))
        start = end + 2
    return values


def _option_value(question: QuestionItem, text: str) -> str:
    wanted = text.strip().casefold()
    for option in question.options:
        if option.label.strip().casefold() == wanted:
            return option.value
    for option in question.options:
        if option.value.casefold() == wanted:
            return option.value
    return text.strip()  # not an option: clean_value says so


def written_text(value: Any) -> str:
    """A cell's value as the user saw it, for the list of answers not saved."""
    if value is None:
        return ""
    if isinstance(value, datetime) and value.time() == time(0):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# --- saving an upload --------------------------------------------------------------------------

@dataclass(frozen=True)
class InvalidCell:
    sheet: str
    row: int
    key: str
    question: QuestionItem | None
    written: str
    message: str


@dataclass(frozen=True)
class WorkbookConflict:
    question: QuestionItem
    section_key: str  # the top-level section, whose page shows the answer
    conflict: services.Conflict
    sheet: str
    row: int


@dataclass
class WorkbookOutcome:
    saved: int = 0
    unchanged: int = 0
    invalid: list[InvalidCell] = field(default_factory=list)
    conflicts: list[WorkbookConflict] = field(default_factory=list)
    # Answers changed in sections the user may not edit, by section title.
    not_permitted: Counter[str] = field(default_factory=Counter)
    # Set when the outcome is that of conflicts resolved on the result page.
    resolving: bool = False
    kept_online: int = 0


def import_workbook(response: Response, data: bytes, *, actor: User,
                    file_name: str = "") -> WorkbookOutcome:
    """Save the answers changed in a returned workbook, as the section pages would.

    Answers the user left as downloaded are skipped before validation (an older answer that
    no longer fits its question is not reported); those of sections the user may not edit
    are left out and counted, rather than refusing the whole file.

    :raises WorkbookRefused: the file cannot be read as this response's workbook
    :raises DomainError: the response is locked
    """
    reason = services.lock_reason(response)
    if reason:
        raise DomainError(reason)
    # Read before saving: a save expires the response, and these would reload it.
    outline = services.outline_for(response)
    response_id, state_id = response.id, response.state_id
    cells = read_workbook(data, response, outline)
    outcome = WorkbookOutcome()
    changes: list[services.Change] = []
    where: dict[str, WorkbookCell] = {}
    editable: dict[str, bool] = {}
    for cell in cells:
        question = outline.questions_by_key.get(cell.key)
        if question is None or cell.key in where:
            message = (_("This question is no longer in the questionnaire.") if question is None
                       else _("This question appears more than once; only its first row was "
                              "read."))
            outcome.invalid.append(InvalidCell(cell.sheet, cell.row, cell.key, question,
                                               written_text(cell.value), message))
            continue
        where[cell.key] = cell
        value = answer_value(question, cell.value)
        if services.value_digest(value) == cell.token.partition(":")[2]:
            outcome.unchanged += 1
            continue
        section = outline.sections_by_key[question.section_key]
        if section.key not in editable:
            editable[section.key] = services.may_edit(actor, response, section)
        if not editable[section.key]:
            outcome.not_permitted[outline.top_level(section.key).title] += 1
            continue
        changes.append(services.Change(cell.key, value, cell.token))

    saved = services.save_answers(response, changes, actor=actor)
    outcome.saved = len(saved.saved)
    _add_unsaved(outcome, saved, outline, where)
    # In the workbook's order, sheet by sheet.
    order = {(cell.sheet, cell.row): index for index, cell in enumerate(cells)}
    outcome.invalid.sort(key=lambda invalid: order[invalid.sheet, invalid.row])
    record_event("response.workbook_uploaded", "response", response_id, actor=actor,
                 state_id=state_id, after={
                     "file": file_name[:200], "saved": outcome.saved,
                     "unchanged": outcome.unchanged, "invalid": len(outcome.invalid),
                     "conflicts": len(outcome.conflicts),
                     "not_permitted": sum(outcome.not_permitted.values())})
    return outcome


# --- the conflicts of an upload, resolved together ---------------------------------------------

@dataclass(frozen=True)
class ConflictChoice:
    """One conflict as the result page sends it back: the workbook's value, the token of the
    answer as it was online when the page was made, where it was in the file, and whether
    the user keeps the workbook's version."""

    key: str
    value: Any
    token: str
    sheet: str
    row: int
    keep_mine: bool


def resolve_conflicts(response: Response, choices: list[ConflictChoice], *,
                      actor: User) -> WorkbookOutcome:
    """Save the workbook's version of the answers the user chose to keep, all in one unit
    of work; the others stay as they are online. An answer changed online once more since
    the result page was made is a conflict again, never overwritten.

    :raises DomainError: the response is locked
    """
    reason = services.lock_reason(response)
    if reason:
        raise DomainError(reason)
    outline = services.outline_for(response)
    known = [choice for choice in choices if choice.key in outline.questions_by_key]
    mine = {choice.key: choice for choice in known if choice.keep_mine}
    saved = services.save_answers(
        response, [services.Change(c.key, c.value, c.token) for c in mine.values()],
        actor=actor)
    outcome = WorkbookOutcome(saved=len(saved.saved), kept_online=len(known) - len(mine),
                              resolving=True)
    _add_unsaved(outcome, saved, outline, mine)
    return outcome


def _add_unsaved(outcome: WorkbookOutcome, saved: services.SaveOutcome, outline: Outline,
                 where: Mapping[str, WorkbookCell | ConflictChoice]) -> None:
    """List what a save refused (invalid answers, conflicts), each at its place in the file."""
    for key, message in saved.errors.items():
        place = where[key]
        outcome.invalid.append(InvalidCell(place.sheet, place.row, key,
                                           outline.questions_by_key[key],
                                           written_text(place.value), message))
    for conflict in saved.conflicts:
        question = outline.questions_by_key[conflict.key]
        place = where[conflict.key]
        outcome.conflicts.append(WorkbookConflict(
            question, outline.top_level(question.section_key).key, conflict, place.sheet,
            place.row))
