"""The shape of a questionnaire definition: the one check for import, the editor and the generator.

The shape itself is the JSON Schema in ``questionnaire.schema.json``; this module adds the
rules a schema cannot express (unique keys, conditions that point at an earlier choice
question, paragraphs that name existing sections) and words every problem for the person who
has to fix it, with the place it occurs: ``paragraphs[3].questions[2].type: unknown type
'dropdown'``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

SCHEMA: dict[str, Any] = json.loads(
    resources.files(__package__).joinpath("questionnaire.schema.json").read_text("utf-8"))

DEFINITION_FORMAT: int = SCHEMA["properties"]["format"]["const"]
QUESTION_TYPES: tuple[str, ...] = tuple(SCHEMA["$defs"]["question"]["properties"]["type"]["enum"])
CHOICE_TYPES: tuple[str, ...] = ("single_choice", "multiple_choice")
# Question types whose answer is text, the only ones a maximum length applies to.
TEXT_TYPES: tuple[str, ...] = ("text", "long_text")

_DEFINITION_VALIDATOR = Draft202012Validator(SCHEMA)
_QUESTION_VALIDATOR = Draft202012Validator(
    {"$schema": SCHEMA["$schema"], "$defs": SCHEMA["$defs"], "$ref": "#/$defs/question"})

_JSON_TYPES = {
    "string": "a string", "integer": "an integer", "number": "a number", "boolean": "true or false",
    "array": "a list", "object": "an object", "null": "null",
}


class DefinitionError(ValueError):
    """A questionnaire definition is invalid; ``errors`` lists every problem found."""

    def __init__(self, errors: Iterable[str]) -> None:
        self.errors = list(errors)
        super().__init__(
            "invalid questionnaire definition:\n" + "\n".join(f"- {e}" for e in self.errors))


def check_definition(data: Any) -> None:
    """Raise if the definition is invalid.

    :raises DefinitionError: listing every problem, see :func:`validate_definition`.
    """
    if errors := validate_definition(data):
        raise DefinitionError(errors)


def validate_definition(data: Any) -> list[str]:
    """Every problem with a questionnaire definition, each naming its place; [] if it is valid."""
    errors = _schema_errors(_DEFINITION_VALIDATOR, data, "")
    if not isinstance(data, dict):
        return errors
    sections = _list(data.get("sections"))
    paragraphs = _list(data.get("paragraphs"))
    errors += _section_errors(sections)
    errors += _paragraph_errors(paragraphs, sections)

    groups = [("general", _list(data.get("general")))] + [
        (f"paragraphs[{index}].questions", _list(paragraph.get("questions")))
        for index, paragraph in enumerate(paragraphs) if isinstance(paragraph, dict)]
    first_place: dict[str, str] = {}
    for base, questions in groups:
        for index, question in enumerate(questions):
            if not isinstance(question, dict):
                continue
            place = f"{base}[{index}]"
            errors += _question_rules(question, questions[:index], place)
            key = question.get("key")
            if isinstance(key, str):
                if key in first_place:
                    errors.append(f"{place}.key: duplicate key {key!r} "
                                  f"(first used at {first_place[key]})")
                else:
                    first_place[key] = place
    return errors


def validate_question(
    question: Any, *, preceding: Sequence[Any] = (), place: str = "question"
) -> list[str]:
    """Every problem with one question, by the same rules as :func:`validate_definition`
    (except key uniqueness, which needs the whole definition).

    :param preceding: the questions before it in its paragraph, or in the general part; a
        condition may only refer to one of these.
    :param place: how messages name the question, e.g. ``paragraphs[3].questions[2]``.
    """
    errors = _schema_errors(_QUESTION_VALIDATOR, question, place)
    if isinstance(question, dict):
        errors += _question_rules(question, list(preceding), place)
    return errors


def _question_rules(question: dict[str, Any], preceding: list[Any], place: str) -> list[str]:
    errors: list[str] = []
    kind = question.get("type")
    options = question.get("options")
    if isinstance(options, list):
        if kind in CHOICE_TYPES and not options:
            errors.append(f"{place}.options: a {kind} question needs at least one option")
        elif kind in QUESTION_TYPES and kind not in CHOICE_TYPES and options:
            errors.append(f"{place}.options: a {kind} question takes no options")
        seen: set[str] = set()
        for index, option in enumerate(options):
            value = option.get("value") if isinstance(option, dict) else None
            if isinstance(value, str):
                if value in seen:
                    errors.append(f"{place}.options[{index}].value: duplicate value {value!r}")
                seen.add(value)

    max_length = question.get("max_length")
    if max_length is not None and kind in QUESTION_TYPES and kind not in TEXT_TYPES:
        errors.append(f"{place}.max_length: a {kind} question takes no maximum length")

    condition = question.get("condition")
    if isinstance(condition, dict) and isinstance(condition.get("question"), str):
        target_key = condition["question"]
        target = next((q for q in preceding
                       if isinstance(q, dict) and q.get("key") == target_key), None)
        if target is None:
            errors.append(f"{place}.condition.question: no question {target_key!r} before this "
                          "one in the same paragraph (or general part)")
        elif target.get("type") not in CHOICE_TYPES:
            errors.append(f"{place}.condition.question: {target_key!r} is a {target.get('type')} "
                          "question; a condition needs a choice question")
        else:
            values = [o.get("value") for o in _list(target.get("options")) if isinstance(o, dict)]
            for index, value in enumerate(_list(condition.get("in"))):
                if isinstance(value, str) and value not in values:
                    errors.append(f"{place}.condition.in[{index}]: {value!r} is not an option "
                                  f"of {target_key!r}")
    return errors


def _section_errors(sections: list[Any]) -> list[str]:
    errors: list[str] = []
    keys: set[str] = set()
    titles: set[str] = set()
    for index, section in enumerate(sections):
        if not isinstance(section, dict):
            continue
        place = f"sections[{index}]"
        title = section.get("title")
        if isinstance(title, str):
            if title in titles:
                errors.append(f"{place}.title: duplicate section title {title!r}")
            titles.add(title)
        sub_titles: set[str] = set()
        entries = [(place, section)] + [
            (f"{place}.subsections[{i}]", sub)
            for i, sub in enumerate(_list(section.get("subsections"))) if isinstance(sub, dict)]
        for entry_place, entry in entries:
            key = entry.get("key")
            if isinstance(key, str):
                if key in keys:
                    errors.append(f"{entry_place}.key: duplicate section key {key!r}")
                keys.add(key)
            title = entry.get("title")
            if entry is not section and isinstance(title, str):
                if title in sub_titles:
                    errors.append(f"{entry_place}.title: duplicate subsection title {title!r}")
                sub_titles.add(title)
    return errors


def _paragraph_errors(paragraphs: list[Any], sections: list[Any]) -> list[str]:
    subsections = {
        section["title"]: [sub.get("title") for sub in _list(section.get("subsections"))
                           if isinstance(sub, dict)]
        for section in sections
        if isinstance(section, dict) and isinstance(section.get("title"), str)}
    errors: list[str] = []
    numbers: set[int] = set()
    last: int | None = None
    for index, paragraph in enumerate(paragraphs):
        if not isinstance(paragraph, dict):
            continue
        place = f"paragraphs[{index}]"
        number = paragraph.get("number")
        if isinstance(number, int) and not isinstance(number, bool):
            if number in numbers:
                errors.append(f"{place}.number: duplicate paragraph number {number}")
            elif last is not None and number < last:
                errors.append(f"{place}.number: paragraph {number} comes after paragraph {last}; "
                              "numbers must ascend")
            numbers.add(number)
            last = number
        section, subsection = paragraph.get("section"), paragraph.get("subsection")
        if isinstance(section, str) and section not in subsections:
            errors.append(f"{place}.section: no section titled {section!r}")
        elif section is None and isinstance(subsection, str):
            errors.append(f"{place}.subsection: a paragraph outside any section has no subsection")
        elif (isinstance(section, str) and isinstance(subsection, str)
              and subsection not in subsections[section]):
            errors.append(f"{place}.subsection: {subsection!r} is not a subsection of {section!r}")
    return errors


def _schema_errors(validator: Draft202012Validator, instance: Any, root: str) -> list[str]:
    messages: list[str] = []
    ordered = sorted(validator.iter_errors(instance), key=lambda e: _sort_key(e.absolute_path))
    for error in ordered:
        for message in _describe(error, _place(root, error.absolute_path)):
            if message not in messages:
                messages.append(message)
    return messages


def _describe(error: ValidationError, place: str) -> list[str]:
    """Friendly words for the usual mistakes; jsonschema's own message otherwise."""
    where = place or "definition"
    instance, expected = error.instance, error.validator_value
    last = error.absolute_path[-1] if error.absolute_path else None
    match error.validator:
        case "required":
            return [f"{where}: missing key {key!r}" for key in expected if key not in instance]
        case "additionalProperties":
            known = error.schema.get("properties", {})
            return [f"{where}: unknown key {key!r}" for key in instance if key not in known]
        case "enum" if last in ("type", "kind"):
            return [f"{where}: unknown {last} {instance!r}"]
        case "enum":
            return [f"{where}: {instance!r} is not one of " + ", ".join(map(repr, expected))]
        case "type":
            wanted = " or ".join(_JSON_TYPES[t] for t in _list_of(expected))
            return [f"{where}: expected {wanted}, got {_json_type(instance)}"]
        case "const":
            return [f"{where}: must be {expected!r}, got {instance!r}"]
        case "minLength":
            return [f"{where}: must not be empty"]
        case "minItems":
            return [f"{where}: needs at least {expected} item{'s' if expected != 1 else ''}"]
        case "minimum":
            return [f"{where}: must be at least {expected}, got {instance!r}"]
        case "pattern":
            return [f"{where}: {instance!r} is not a valid {_PATTERN_NAMES.get(last, 'value')}"]
    return [f"{where}: {error.message}"]


_PATTERN_NAMES = {
    "key": "key (lowercase letters, digits and underscores, in parts separated by dots)",
    "value": "option value (lowercase letters, digits and underscores)",
    "slug": "slug (lowercase letters and digits, in parts separated by hyphens)",
}


def _place(root: str, path: Iterable[str | int]) -> str:
    place = root
    for part in path:
        place += f"[{part}]" if isinstance(part, int) else (f".{part}" if place else part)
    return place


def _sort_key(path: Iterable[str | int]) -> tuple[tuple[int, int, str], ...]:
    return tuple((0, part, "") if isinstance(part, int) else (1, 0, part) for part in path)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    for python_type, name in ((str, "string"), (int, "integer"), (float, "number"),
                              (list, "array"), (dict, "object")):
        if isinstance(value, python_type):
            return _JSON_TYPES[name]
    return type(value).__name__


def _list_of(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
