"""A State's name in each interface language: pycountry's translation, read as a name (never
an index form), and the stored name wherever the secretariat gave one of its own."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from flask import render_template_string
from flask_babel import force_locale

from survey.states.services import (
    alphabetical_key,
    display_name,
    localized_name,
    member_states,
    state_name,
)

LANGUAGES = ("ar", "es", "fr", "ru", "zh")


@pytest.mark.parametrize(("code", "locale", "expected"), [
    ("DEU", "fr", "Allemagne"),
    ("IRN", "fr", "Iran (République islamique d')"),  # the UN files it under I
    ("KOR", "fr", "République de Corée"),  # no official name: the index form turned round
    ("PRK", "fr", "République populaire démocratique de Corée"),
    ("SYR", "fr", "République arabe syrienne"),
    ("BOL", "es", "Bolivia (Estado Plurinacional de)"),  # filed under B, as the UN does
    ("VEN", "en", "Venezuela (Bolivarian Republic of)"),
    ("NLD", "en", "Netherlands (Kingdom of the)"),
    ("NLD", "fr", "Pays-Bas (Royaume des)"),
    ("COD", "es", "República Democrática del Congo"),
    ("CIV", "es", "Côte d'Ivoire"),
    ("PRK", "ru", "Корейская Народно-Демократическая Республика"),  # without stress marks
    ("TZA", "ru", "Объединенная Республика Танзания"),  # "е" for "ё", as the UN writes
    ("USA", "ru", "Соединенные Штаты Америки"),
    ("KOR", "ar", "جمهورية كوريا"),  # the whole name after the comma, without its shadda
    ("TZA", "ar", "جمهورية تنزانيا المتحدة"),
    ("TUR", "ar", "تركيا"),  # the catalog lacks the name "Türkiye"
    ("FSM", "zh", "密克罗尼西亚联邦"),
    ("GBR", "zh", "大不列颠及北爱尔兰联合王国"),  # the UN's name, not the short form
    ("USA", "en", "United States of America"),
    ("USA", "fr", "États-Unis d'Amérique"),
    ("GBR", "en", "United Kingdom of Great Britain and Northern Ireland"),
    ("BOL", "zh", "多民族玻利维亚国"),
])
def test_a_state_is_named_as_each_language_names_it(code, locale, expected):
    assert localized_name(code, display_name(code), locale) == expected


def test_chinese_and_regional_locales_find_their_catalog():
    assert localized_name("DEU", "Germany", "zh_Hans") == "德国"
    assert localized_name("DEU", "Germany", "fr_CH") == "Allemagne"


def test_english_is_the_stored_name():
    for state in member_states():
        assert localized_name(state.code, state.name, "en") == state.name
        assert localized_name(state.code, state.name, None) == state.name
    assert localized_name("BOL", "Bolivia (Plurinational State of)", "en") \
        == "Bolivia (Plurinational State of)"


def test_a_name_the_secretariat_gave_is_never_replaced():
    for locale in LANGUAGES:
        assert localized_name("DEU", "Federal Republic of Germany", locale) \
            == "Federal Republic of Germany"
        # pycountry's own name, not the one the State is stored under
        assert localized_name("KOR", "Korea, Republic of", locale) == "Korea, Republic of"


def test_a_participant_pycountry_does_not_know_keeps_its_name():
    for locale in LANGUAGES:
        assert localized_name("XKX", "Kosovo", locale) == "Kosovo"
        assert localized_name("", "Secretariat guest", locale) == "Secretariat guest"


@pytest.mark.parametrize("locale", LANGUAGES)
def test_every_member_state_reads_as_a_name(locale):
    """No index form ("Corée, République de"), no stress marks, "ё" or Arabic vowel marks
    (UN texts write names without them), and in the languages not written in Latin letters
    no English left untranslated."""
    for state in member_states():
        name = localized_name(state.code, state.name, locale)
        assert name and name == name.strip(), state.code
        assert not re.search(r"[,،]", name), (state.code, name)
        assert "\u0301" not in name, state.code
        assert not re.search("[ёЁ\u064b-\u0652]", name), (state.code, name)
        if locale in ("ar", "ru", "zh"):
            assert not re.search(r"[A-Za-z]", name), (state.code, name)


def test_templates_and_services_name_a_state_in_the_current_language(app):
    row = SimpleNamespace(code="DEU", name="Germany")  # e.g. a row of the admin overview
    with app.test_request_context("/"):
        assert state_name(row) == "Germany"
        with force_locale("fr"):
            assert state_name(row) == "Allemagne"
            assert render_template_string("{{ state | state_name }}", state=row) == "Allemagne"
        with force_locale("ar"):
            assert render_template_string("{{ state | state_name }}", state=row) == "ألمانيا"


def test_names_sort_alphabetically_whatever_their_accents():
    names = ["Zambie", "États-Unis", "Espagne", "Égypte", "équateur"]
    assert sorted(names, key=alphabetical_key) == [
        "Égypte", "équateur", "Espagne", "États-Unis", "Zambie"]
