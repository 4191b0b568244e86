"""The interface in the six UN languages: each catalog is whole, its placeholders are the
English ones, what the app loads is compiled from it, and the template lists every string
the code and the pages mark for translation. A string added without its translations fails
here, not in front of a user in Beijing or Cairo."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from survey.config import LANGUAGES
from tests.conftest import page_text

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "survey" / "translations"
TRANSLATED = sorted(set(LANGUAGES) - {"en"})
README_EXTRACT = ("pybabel extract -F babel.cfg -k lazy_gettext -k _l -k N_ --no-location "
                  "--sort-output")
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%%|\{\w*\}")


def template_ids() -> set[str]:
    with (TRANSLATIONS / "messages.pot").open("rb") as source:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(source) if m.id}


def catalog(language: str):
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as source:
        return read_po(source, locale=language)


def test_the_template_lists_every_string_marked_for_translation():
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    marked = {message[2] if isinstance(message[2], str) else message[2][0]
              for message in extract_from_dir(
                  str(ROOT), method_map, options_map,
                  keywords={"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None,
                            "_l": None, "N_": None})}
    marked.discard("")
    missing, stale = marked - template_ids(), template_ids() - marked
    assert not missing and not stale, (
        f"messages.pot is out of date; run `{README_EXTRACT} -o survey/translations/messages.pot"
        f" .` and translate the new strings. Missing: {sorted(missing)[:5]}; "
        f"gone: {sorted(stale)[:5]}")


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_string_is_translated_with_the_same_placeholders(language):
    translations = catalog(language)
    problems = []
    for message in translations:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        english = {p for text in ids for p in _PLACEHOLDER.findall(text)}
        if message.fuzzy or not all(strings):
            problems.append(f"untranslated: {ids[0]!r}")
        for text in strings:
            if text and {p for p in _PLACEHOLDER.findall(text)} - english:
                problems.append(f"placeholders differ: {ids[0]!r} -> {text!r}")
    problems += [f"{message.id!r}: {error}" for message, errors in translations.check()
                 for error in errors]
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in translations if m.id}
    problems += [f"missing: {msgid!r}" for msgid in sorted(template_ids() - ids)]
    assert not problems, "\n".join(problems[:20])


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_compiled_catalog_is_the_current_one(language):
    compiled = io.BytesIO()
    write_mo(compiled, catalog(language))
    shipped = (TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo").read_bytes()
    assert shipped == compiled.getvalue(), (
        f"{language}: messages.mo is older than messages.po; "
        "run `pybabel compile -d survey/translations`")


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_sign_in_page_speaks_each_language(client, language):
    translations = catalog(language)
    page = client.get("/login", headers={"Accept-Language": language})
    text = page_text(page)
    for english in ("Sign in", "E-mail address", "Password"):
        assert translations[english].string in text
        assert english not in text
