"""The questionnaire's standard wording in the six languages: every fixed text the generator
writes is marked for translation and translated; the declaration's own words are not."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from questionnaires.generator import (
    DEFINITION_PATH,
    INSTRUMENT_QUESTION,
    INSTRUMENTS,
    standard_wording,
)
from survey.config import LANGUAGES
from survey.cycles.services import current_cycle
from survey.questionnaires.localized import localized
from survey.questionnaires.outline import outline_of

TRANSLATED = sorted(set(LANGUAGES) - {"en"})


def generated_texts():
    """(where, text) for every fixed text of the generated definition: all but the
    declaration's own (its text, headings and each paragraph's actions)."""
    definition = json.loads(DEFINITION_PATH.read_text(encoding="utf-8"))
    for section in definition["sections"][:2]:  # the parts the generator adds
        yield section["key"], section["title"]
    paragraphs = [{"questions": definition["general"]}, *definition["paragraphs"]]
    for question in (q for p in paragraphs for q in p["questions"]):
        yield question["key"], question["label"]
        if question["help"]:
            yield question["key"] + " help", question["help"]
        for option in question["options"]:
            if not question["key"].endswith(".actions") or option["value"] == "other":
                yield f"{question['key']}={option['value']}", option["label"]


def test_every_fixed_text_of_the_definition_is_standard_wording():
    wording = standard_wording()
    missing = [(where, text) for where, text in generated_texts() if text not in wording]
    assert not missing, missing[:5]


def test_an_instrument_question_is_one_message_with_the_instruments_name():
    wording = standard_wording()
    for instrument in INSTRUMENTS:
        english = INSTRUMENT_QUESTION % {"name": instrument.name}
        assert wording[english] == (INSTRUMENT_QUESTION, {"name": instrument.name})


@pytest.fixture
def outline(app):
    return outline_of(current_cycle().questionnaire_version)


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_standard_text_is_translated_and_every_value_kept(outline, language):
    translated = localized(outline, language)

    assert [q.key for q in translated.questions()] == [q.key for q in outline.questions()]
    for english, question in zip(outline.questions(), translated.questions(), strict=True):
        assert question.option_values == english.option_values
        assert (question.required, question.condition) == (english.required, english.condition)
        assert question.label_lang == language and question.label != english.label, question.key
        assert question.help_lang == (language if english.help else "en"), question.key
        for before, after in zip(english.options, question.options, strict=True):
            if question.key.endswith(".actions") and before.value != "other":
                # The paragraph's own actions, in the declaration's words.
                assert (after.label, after.lang) == (before.label, "en")
            else:
                assert after.lang == language and after.label != before.label, after
    for number, paragraph in outline.paragraphs_by_number.items():
        assert translated.paragraphs_by_number[number].text == paragraph.text
        assert translated.paragraphs_by_number[number].lang == "en"
    general = translated.sections_by_key["general"]
    assert general.title_lang == language
    assert translated.sections_by_key["I"].title == outline.sections_by_key["I"].title
    assert translated.sections_by_key["I"].title_lang == "en"


def test_french_wording_and_the_instrument_names(outline):
    french = localized(outline, "fr")

    status = french.questions_by_key["p22.status"]
    assert status.label == "Dans quelle mesure votre État a-t-il mis en œuvre ce paragraphe\u00a0?"
    assert status.option("fully").label == "Pleinement mis en œuvre"
    assert french.questions_by_key["p53.instruments.convention_against_corruption"].label == (
        "Dans quelle mesure votre État applique-t-il la Convention des Nations Unies contre la "
        "corruption\u00a0?")
    assert french.sections_by_key["general"].title == "Informations générales"


def test_made_once_per_outline_and_language(outline):
    assert localized(outline, "en") is outline
    assert localized(outline, "fr") is localized(outline, "fr")
    assert localized(outline, "fr") is not localized(outline, "es")
    # Another outline (a draft read afresh, say) has translations of its own.
    copy = replace(outline)
    assert localized(copy, "fr") is not localized(outline, "fr")
    assert localized(copy, "fr").questions_by_key["p22.status"] == \
        localized(outline, "fr").questions_by_key["p22.status"]


def test_a_text_changed_from_the_standard_wording_stays_as_written(outline):
    question = outline.questions_by_key["p22.status"]
    edited = replace(question, label=question.label + " ")
    changed = replace(outline, questions_by_key={**outline.questions_by_key,
                                                 "p22.status": edited})

    shown = localized(changed, "fr").questions_by_key["p22.status"]

    assert (shown.label, shown.label_lang) == (edited.label, "en")
    assert shown.help_lang == "fr"
