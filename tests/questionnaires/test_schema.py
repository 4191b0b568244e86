"""The one check of a questionnaire definition's shape, and the words it finds for mistakes."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from questionnaires.generator import DEFINITION_PATH, build_definition
from survey.questionnaires.schema import (
    CHOICE_TYPES,
    DEFINITION_FORMAT,
    QUESTION_TYPES,
    SCHEMA,
    DefinitionError,
    check_definition,
    validate_definition,
    validate_question,
)


@pytest.fixture(scope="module")
def generated() -> dict[str, Any]:
    return build_definition()


@pytest.fixture(scope="module")
def valid(generated) -> dict[str, Any]:
    """The generated definition up to paragraph 22: what the mistakes below need, and quick."""
    return {**generated, "paragraphs": generated["paragraphs"][:22]}


@pytest.fixture
def definition(valid) -> dict[str, Any]:
    return copy.deepcopy(valid)


def test_the_schema_is_a_valid_json_schema():
    Draft202012Validator.check_schema(SCHEMA)
    assert QUESTION_TYPES == ("single_choice", "multiple_choice", "text", "long_text", "number",
                              "date", "email")
    assert set(CHOICE_TYPES) <= set(QUESTION_TYPES)
    assert DEFINITION_FORMAT == 1


def test_the_generated_and_the_committed_definitions_are_valid(generated, valid):
    assert validate_definition(generated) == []
    assert validate_definition(json.loads(DEFINITION_PATH.read_text(encoding="utf-8"))) == []
    check_definition(valid)


def _p21(data: dict[str, Any], index: int) -> dict[str, Any]:
    """A question of paragraph 21: status, actions, measures, authorities, examples, challenges,
    challenges_details, assistance, assistance_details."""
    return data["paragraphs"][20]["questions"][index]


CORRUPTIONS: dict[str, tuple[Callable[[dict[str, Any]], Any], str]] = {
    "unknown type": (
        lambda d: _p21(d, 3).update(type="dropdown"),
        "paragraphs[20].questions[3].type: unknown type 'dropdown'"),
    "missing label": (
        lambda d: _p21(d, 1).pop("label"),
        "paragraphs[20].questions[1]: missing key 'label'"),
    "missing top-level key": (
        lambda d: d.pop("slug"),
        "definition: missing key 'slug'"),
    "unknown key": (
        lambda d: _p21(d, 3).update(colour="red"),
        "paragraphs[20].questions[3]: unknown key 'colour'"),
    "wrong type": (
        lambda d: d["paragraphs"][0].update(number="1"),
        "paragraphs[0].number: expected an integer, got a string"),
    "nullable of the wrong type": (
        lambda d: _p21(d, 3).update(max_length="100"),
        "paragraphs[20].questions[3].max_length: expected an integer or null, got a string"),
    "empty label": (
        lambda d: d["general"][0].update(label=""),
        "general[0].label: must not be empty"),
    "wrong format": (
        lambda d: d.update(format=2),
        "format: must be 1, got 2"),
    "unknown section kind": (
        lambda d: d["sections"][0].update(kind="annex"),
        "sections[0].kind: unknown kind 'annex'"),
    "bad key": (
        lambda d: _p21(d, 3).update(key="P21 Authorities"),
        "paragraphs[20].questions[3].key: 'P21 Authorities' is not a valid key (lowercase "
        "letters, digits and underscores, in parts separated by dots)"),
    "max length below 1": (
        lambda d: d["general"][5].update(max_length=0),
        "general[5].max_length: must be at least 1, got 0"),
    "max length on a choice question": (
        lambda d: _p21(d, 5).update(max_length=10),
        "paragraphs[20].questions[5].max_length: a multiple_choice question takes no maximum "
        "length"),
    "duplicate key": (
        lambda d: d["general"][1].update(key="general.coordinating_institution"),
        "general[1].key: duplicate key 'general.coordinating_institution' (first used at "
        "general[0])"),
    "duplicate key across paragraphs": (
        lambda d: _p21(d, 3).update(key="p22.authorities"),
        "paragraphs[21].questions[3].key: duplicate key 'p22.authorities' (first used at "
        "paragraphs[20].questions[3])"),
    "choice question without options": (
        lambda d: _p21(d, 5).update(options=[]),
        "paragraphs[20].questions[5].options: a multiple_choice question needs at least one "
        "option"),
    "duplicate option value": (
        lambda d: _p21(d, 5)["options"][1].update(value="coordination"),
        "paragraphs[20].questions[5].options[1].value: duplicate value 'coordination'"),
    "options on a text question": (
        lambda d: _p21(d, 3).update(options=[{"value": "x", "label": "X"}]),
        "paragraphs[20].questions[3].options: a text question takes no options"),
    "dangling condition": (
        lambda d: _p21(d, 2)["condition"].update(question="p21.stat"),
        "paragraphs[20].questions[2].condition.question: no question 'p21.stat' before this one "
        "in the same paragraph (or general part)"),
    "condition on a later question": (
        lambda d: _p21(d, 2)["condition"].update(question="p21.challenges", **{"in": ["data"]}),
        "paragraphs[20].questions[2].condition.question: no question 'p21.challenges' before "
        "this one in the same paragraph (or general part)"),
    "condition on another paragraph's question": (
        lambda d: _p21(d, 2)["condition"].update(question="p3.status"),
        "paragraphs[20].questions[2].condition.question: no question 'p3.status' before this "
        "one in the same paragraph (or general part)"),
    "condition on a text question": (
        lambda d: _p21(d, 4).update(condition={"question": "p21.authorities", "in": ["x"]}),
        "paragraphs[20].questions[4].condition.question: 'p21.authorities' is a text question; "
        "a condition needs a choice question"),
    "condition on a value that is no option": (
        lambda d: _p21(d, 2)["condition"]["in"].append("maybe"),
        "paragraphs[20].questions[2].condition.in[3]: 'maybe' is not an option of 'p21.status'"),
    "empty condition": (
        lambda d: _p21(d, 2)["condition"].update(**{"in": []}),
        "paragraphs[20].questions[2].condition.in: needs at least 1 item"),
    "paragraphs out of order": (
        lambda d: (d["paragraphs"][1].update(number=3), d["paragraphs"][2].update(number=2)),
        "paragraphs[2].number: paragraph 2 comes after paragraph 3; numbers must ascend"),
    "duplicate paragraph number": (
        lambda d: d["paragraphs"][1].update(number=1),
        "paragraphs[1].number: duplicate paragraph number 1"),
    "unknown section": (
        lambda d: d["paragraphs"][20].update(section="Advancing crime"),
        "paragraphs[20].section: no section titled 'Advancing crime'"),
    "subsection of another section": (
        lambda d: d["paragraphs"][20].update(subsection="Access to legal aid"),
        "paragraphs[20].subsection: 'Access to legal aid' is not a subsection of 'Advancing "
        "crime prevention'"),
    "subsection without a section": (
        lambda d: d["paragraphs"][0].update(subsection="Access to legal aid"),
        "paragraphs[0].subsection: a paragraph outside any section has no subsection"),
    "duplicate section key": (
        lambda d: d["sections"][3].update(key="I"),
        "sections[3].key: duplicate section key 'I'"),
}


@pytest.mark.parametrize("name", CORRUPTIONS)
def test_each_mistake_is_named_where_it_is(definition, name):
    corrupt, message = CORRUPTIONS[name]
    corrupt(definition)
    assert validate_definition(definition) == [message]


def test_all_mistakes_are_reported_at_once(definition):
    for name in ("unknown type", "missing label", "duplicate key", "dangling condition",
                 "unknown section"):
        CORRUPTIONS[name][0](definition)
    errors = validate_definition(definition)
    assert sorted(errors) == sorted(CORRUPTIONS[name][1] for name in (
        "unknown type", "missing label", "duplicate key", "dangling condition", "unknown section"))
    with pytest.raises(DefinitionError) as raised:
        check_definition(definition)
    assert raised.value.errors == errors
    assert "paragraphs[20].questions[3].type: unknown type 'dropdown'" in str(raised.value)


def test_a_definition_of_the_wrong_shape_is_refused_without_crashing():
    assert validate_definition([]) == ["definition: expected an object, got a list"]
    broken = {"format": 1, "slug": "x", "title": "X", "preamble": [], "preamble_footnotes": [],
              "sections": [{"key": "a", "title": ["not", "text"], "kind": "general",
                            "subsections": "none"}],
              "general": [["not a question"]],
              "paragraphs": [{"number": True, "section": 3, "questions": {}}]}
    errors = validate_definition(broken)
    assert "sections[0].title: expected a string, got a list" in errors
    assert "general[0]: expected an object, got a list" in errors
    assert "paragraphs[0].number: expected an integer, got true or false" in errors
    assert "paragraphs[0]: missing key 'text'" in errors


# --- One question at a time, for the editor ------------------------------------------------


def test_validate_question_applies_the_same_rules(valid):
    questions = valid["paragraphs"][20]["questions"]
    assert validate_question(questions[2], preceding=questions[:2]) == []
    assert validate_question(questions[2]) == [
        "question.condition.question: no question 'p21.status' before this one in the same "
        "paragraph (or general part)"]
    edited = {**questions[0], "type": "dropdown", "options": []}
    del edited["label"]
    assert validate_question(edited, place="paragraphs[20].questions[0]") == [
        "paragraphs[20].questions[0]: missing key 'label'",
        "paragraphs[20].questions[0].type: unknown type 'dropdown'",
    ]
    assert validate_question(
        {**questions[5], "options": [{"value": "a", "label": "A"}, {"value": "a", "label": "B"}]}
    ) == ["question.options[1].value: duplicate value 'a'"]
