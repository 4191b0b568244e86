"""Read the Kyoto Declaration's published text into its structure.

The source is a conversion of the UNODC booklet: a cover and copyright page, the title, the
preamble, numbered paragraphs under headings, footnotes wherever the page ended, and the back
cover. Page breaks cut some paragraphs in two around the footnotes. Nothing in the text marks
what a line is, so each line is recognised by its shape and by what follows it:

- ``12. Text``                a numbered paragraph;
- ``¹²Text``                  a footnote (superscript number, sometimes a space);
- ``Text:``                   a lead-in sentence (``Declare the following:``);
- ``lowercase text``          the rest of a paragraph cut by a page break;
- ``Other text``              a heading, or the title, a preamble item or publisher's matter.

A heading followed by another heading is a main section, a heading followed by a paragraph is
a subsection. A lead-in followed by headings opens the sections of actions; a lead-in followed
by paragraphs is itself the title of the section those paragraphs form.

Any departure from this shape raises :class:`DeclarationFormatError` rather than guessing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

SOURCE_PATH = Path(__file__).with_name("kyoto-declaration-2021.md")

SUPERSCRIPT_DIGITS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_DIGITS = str.maketrans(SUPERSCRIPT_DIGITS, "0123456789")
_MARKER = re.compile(f"[{SUPERSCRIPT_DIGITS}]+")
_NUMBERED = re.compile(r"(\d+)\.\s+(.+)")
_FOOTNOTE = re.compile(f"([{SUPERSCRIPT_DIGITS}]+)\\s*(.+)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"\*+([^*]+?)\*+")

# A paragraph is complete once it ends as every paragraph of the declaration does.
_PARAGRAPH_END = (";", ".")


class DeclarationFormatError(ValueError):
    """The text does not have the shape of the declaration (see the module docstring)."""


@dataclass(frozen=True)
class Footnote:
    number: int
    text: str


@dataclass
class Paragraph:
    number: int
    text: str
    # Titles of the headings it stands under; None for the paragraphs before the first one.
    section: str | None
    subsection: str | None
    # The lead-in sentence it completes or follows, without its colon
    # ("We therefore endeavour to take the following actions").
    lead_in: str
    footnotes: list[Footnote] = field(default_factory=list)


@dataclass
class Section:
    title: str
    # "operative": a heading under the lead-in to the actions, with subsections;
    # "follow_up": a lead-in sentence standing as the section title, without subsections.
    kind: str
    subsections: list[str] = field(default_factory=list)


@dataclass
class Declaration:
    title: str
    preamble: list[str]
    preamble_footnotes: list[Footnote]
    sections: list[Section]
    paragraphs: list[Paragraph]

    def paragraph(self, number: int) -> Paragraph:
        return self.paragraphs[number - 1]


@dataclass
class _Unit:
    """One line of the source, or several soft-wrapped lines (as on the cover)."""

    kind: str  # "paragraph", "footnote", "lead_in", "continuation" or "line"
    text: str
    number: int | None = None


def parse_declaration(source: str) -> Declaration:
    """Parse the declaration's markdown text.

    :raises DeclarationFormatError: the text departs from the declaration's shape.
    """
    units = [_classify(text) for text in _join_lines(source)]
    opening = next((i for i, unit in enumerate(units) if unit.kind == "lead_in"), None)
    if opening is None:
        raise DeclarationFormatError("no lead-in sentence (such as 'Declare the following:')")

    # The preamble is the run of clauses, each ending with a comma, that the opening lead-in
    # completes; the title stands right before it, and the publisher's pages before that.
    start = opening
    while (start > 0 and units[start - 1].kind == "line"
           and _strip_markers(units[start - 1].text).endswith(",")):
        start -= 1
    if start == opening or start == 0 or units[start - 1].kind != "line":
        raise DeclarationFormatError("no title and preamble before the first lead-in")
    title = units[start - 1].text
    preamble_units = units[start:opening]

    body = units[opening + 1:]
    # The declaration ends with its last paragraph; unnumbered lines after it are the back cover.
    while body and body[-1].kind == "line":
        body.pop()

    paragraphs, sections, footnotes = _read_body(body, lead_in=_without_colon(units[opening].text))
    preamble = [_strip_markers(unit.text) for unit in preamble_units]
    preamble_footnotes = _attach_footnotes(footnotes, preamble_units, paragraphs)
    return Declaration(
        title=title,
        preamble=preamble,
        preamble_footnotes=preamble_footnotes,
        sections=sections,
        paragraphs=paragraphs,
    )


def load_declaration(path: Path | None = None) -> Declaration:
    """Parse the declaration from ``path`` (the copy next to this module by default)."""
    return parse_declaration((path or SOURCE_PATH).read_text(encoding="utf-8"))


def _join_lines(source: str) -> list[str]:
    """Split the source into units: blank lines separate them, and a numbered paragraph or a
    footnote always starts a new one (paragraphs 2 to 11 follow each other line by line)."""
    units: list[list[str]] = []
    previous_blank = True
    for raw in source.splitlines():
        line = raw.strip()
        if not line:
            previous_blank = True
            continue
        starts_unit = previous_blank or _NUMBERED.match(line) or line[0] in SUPERSCRIPT_DIGITS
        if starts_unit:
            units.append([line])
        else:
            units[-1].append(line)
        previous_blank = False
    return [_plain(" ".join(lines)) for lines in units]


def _plain(text: str) -> str:
    """Drop markdown: links keep their text, emphasis its words."""
    text = _LINK.sub(r"\1", text)
    text = _EMPHASIS.sub(r"\1", text)
    return re.sub(r"\s+", " ", text.replace("*", "")).strip()


def _classify(text: str) -> _Unit:
    if match := _NUMBERED.fullmatch(text):
        return _Unit("paragraph", match[2], int(match[1]))
    if match := _FOOTNOTE.fullmatch(text):
        return _Unit("footnote", match[2], int(match[1].translate(_DIGITS)))
    if text.endswith(":"):
        return _Unit("lead_in", text)
    if text[0].islower():
        return _Unit("continuation", text)
    return _Unit("line", text)


def _read_body(
    units: list[_Unit], *, lead_in: str
) -> tuple[list[Paragraph], list[Section], list[_Unit]]:
    paragraphs: list[Paragraph] = []
    sections: list[Section] = []
    footnotes: list[_Unit] = []
    section: Section | None = None
    subsection: str | None = None
    in_actions = False  # under a lead-in that headings follow: paragraphs need a subsection

    for index, unit in enumerate(units):
        if unit.kind == "footnote":
            footnotes.append(unit)
            continue
        if unit.kind == "continuation":
            if not paragraphs or _is_complete(paragraphs[-1].text):
                raise DeclarationFormatError(f"text continues no paragraph: {unit.text[:60]!r}")
            paragraphs[-1].text += " " + unit.text
            continue
        if paragraphs and not _is_complete(paragraphs[-1].text):
            raise DeclarationFormatError(
                f"paragraph {paragraphs[-1].number} breaks off: {paragraphs[-1].text[-60:]!r}")

        following = _next_kind(units, index)
        if unit.kind == "paragraph":
            expected = len(paragraphs) + 1
            if unit.number != expected:
                raise DeclarationFormatError(f"paragraph {unit.number} where {expected} was due")
            if in_actions and subsection is None:
                raise DeclarationFormatError(f"paragraph {unit.number} stands under no subheading")
            paragraphs.append(Paragraph(
                number=unit.number,
                text=unit.text,
                section=section.title if section else None,
                subsection=subsection,
                lead_in=lead_in,
            ))
        elif unit.kind == "lead_in":
            lead_in = _without_colon(unit.text)
            subsection = None
            if following == "line":
                in_actions, section = True, None
            elif following == "paragraph":
                in_actions = False
                section = Section(title=lead_in, kind="follow_up")
                sections.append(section)
            else:
                raise DeclarationFormatError(f"nothing follows the lead-in {unit.text!r}")
        elif following == "line":
            if not in_actions:
                raise DeclarationFormatError(f"heading {unit.text!r} outside the actions")
            if section is not None and not section.subsections:
                raise DeclarationFormatError(f"section {section.title!r} has no subsections")
            section = Section(title=unit.text, kind="operative")
            sections.append(section)
            subsection = None
        elif following == "paragraph":
            if section is None or section.kind != "operative":
                raise DeclarationFormatError(f"subheading {unit.text!r} under no main heading")
            subsection = unit.text
            section.subsections.append(subsection)
        else:
            raise DeclarationFormatError(f"heading {unit.text!r} heads nothing")

    if not paragraphs or not _is_complete(paragraphs[-1].text):
        raise DeclarationFormatError("the declaration does not end with a complete paragraph")
    return paragraphs, sections, footnotes


def _next_kind(units: list[_Unit], index: int) -> str | None:
    """The kind of the next unit that is not a footnote (footnotes fall wherever pages end)."""
    for unit in units[index + 1:]:
        if unit.kind != "footnote":
            return unit.kind
    return None


def _attach_footnotes(
    footnotes: list[_Unit], preamble: list[_Unit], paragraphs: list[Paragraph]
) -> list[Footnote]:
    """Give each paragraph the footnotes it cites and strip the markers from its text; return
    the preamble's footnotes. Every footnote must be cited exactly once."""
    by_number: dict[int, Footnote] = {}
    for unit in footnotes:
        assert unit.number is not None
        if unit.number in by_number:
            raise DeclarationFormatError(f"footnote {unit.number} appears twice")
        by_number[unit.number] = Footnote(unit.number, unit.text)

    cited: set[int] = set()

    def take(text: str, where: str) -> list[Footnote]:
        notes = []
        for marker in _MARKER.findall(text):
            number = int(marker.translate(_DIGITS))
            if number not in by_number:
                raise DeclarationFormatError(f"{where} cites footnote {number}, which is missing")
            if number in cited:
                raise DeclarationFormatError(f"footnote {number} is cited twice")
            cited.add(number)
            notes.append(by_number[number])
        return notes

    preamble_notes = [note for unit in preamble for note in take(unit.text, "the preamble")]
    for paragraph in paragraphs:
        paragraph.footnotes = take(paragraph.text, f"paragraph {paragraph.number}")
        paragraph.text = _strip_markers(paragraph.text)
    if uncited := sorted(set(by_number) - cited):
        raise DeclarationFormatError(f"footnotes never cited: {uncited}")
    return preamble_notes


def _is_complete(paragraph_text: str) -> bool:
    return _strip_markers(paragraph_text).endswith(_PARAGRAPH_END)


def _strip_markers(text: str) -> str:
    return re.sub(r"\s+", " ", _MARKER.sub("", text)).strip()


def _without_colon(text: str) -> str:
    return text.removesuffix(":").strip()


@dataclass(frozen=True)
class Actionability:
    actionable: bool
    # Why, in words an administrator reads beside the paragraph.
    reason: str


@dataclass(frozen=True)
class _Rule:
    opening: re.Pattern[str]
    actionable: bool
    reason: str  # filled from the match's named groups and the paragraph's section


def _rule(opening: str, actionable: bool, reason: str) -> _Rule:
    return _Rule(re.compile(opening), actionable, reason)


# What the main clause opens with, after "We" and adverbs ("also", "strongly", "therefore"),
# decides whether a paragraph commits States to act. The first match wins; a paragraph that
# matches none is an error, so a new text cannot slip through unclassified.
_RULES = (
    # The actions (21-95) complete "We therefore endeavour to take the following actions:".
    _rule(r"endeavour to take the following actions\b", True,
          "Operative action in section '{section}'"),
    _rule(r"(?P<verb>undertake|commit(?: ourselves)?|recommit)\b", True,
          "Undertaking: 'We {verb}…'"),
    # Paragraph 11 ("our commitment to strengthening the central role of the Commission")
    # commits to supporting a United Nations body, not to any action by a State at home.
    _rule(r"reaffirm (?:our commitment to strengthening )?the (?:central )?role of "
          r"(?P<body>.+?) as\b",
          False, "Reaffirms the role of {body}; not an undertaking by States to act"),
    # Paragraphs 18 and 19 recall obligations States already have under the Charter and human
    # rights law, which other mechanisms review; they announce no new action to assess.
    _rule(r"reaffirm the responsibility of all States\b", False,
          "Reaffirms the existing responsibility of all States; restates obligations rather "
          "than undertaking new action"),
    _rule(r"express (?:deep |grave )?concern\b", False, "Expresses concern; no commitment to act"),
    _rule(r"draw attention\b", False, "Draws attention to a need; no commitment to act"),
    _rule(r"emphasize\b", False, "Emphasizes the role of States; no commitment to act"),
    _rule(r"recognize\b", False, "Recognizes a need; no commitment to act"),
    _rule(r"call upon (?P<addressee>[^,]+)", False, "Addressed to {addressee}, not to States"),
    _rule(r"express our (?:profound )?gratitude\b|thank\b", False, "Expression of thanks"),
)

_SUBJECT = re.compile(r"We (?:(?:also|therefore|strongly|further) )*")


def actionability(paragraph: Paragraph) -> Actionability:
    """Whether the paragraph commits States to act, and why.

    :raises DeclarationFormatError: no rule recognises the opening of its main clause.
    """
    # A paragraph without its own subject completes the lead-in it stands under.
    clause = paragraph.text if _SUBJECT.match(paragraph.text) else (
        f"{paragraph.lead_in} {paragraph.text}")
    opening = _SUBJECT.sub("", clause, count=1)
    for rule in _RULES:
        if match := rule.opening.match(opening):
            reason = rule.reason.format(section=paragraph.section, **match.groupdict())
            return Actionability(rule.actionable, reason)
    raise DeclarationFormatError(
        f"paragraph {paragraph.number}: no rule says whether {clause[:50]!r}… commits States")
