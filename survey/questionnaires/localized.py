"""The questionnaire in the reader's language, as far as it has one.

A version stores its texts in English. The wording the generator writes (its questions, help
texts, options and the title of the general part: ``questionnaires.generator.
standard_wording``) is translated in the interface's catalogs, so a text still exactly as
generated is shown in the page's language. Everything else stays as stored, in English: the
declaration's text, footnotes and headings (it has no official translation here), each
paragraph's own actions (drawn from its text), and any wording an administrator changed.
Every text says which language it is in, so that pages can mark the English ones
(``lang_attrs``, WCAG 2.1 SC 3.1.2).

Only what people read changes: keys and option values are the stored ones, so answers,
validation and saving work on either outline.
"""

from __future__ import annotations

from dataclasses import replace

from flask_babel import force_locale, get_locale, gettext

from questionnaires.generator import standard_wording
from survey.questionnaires.outline import (
    SOURCE_LANGUAGE,
    Option,
    Outline,
    ParagraphItem,
    QuestionItem,
    SectionItem,
)


def localized(outline: Outline, locale: str | None = None) -> Outline:
    """The outline with its standard wording in ``locale`` (the page's language by default).

    Made once per outline and language and kept with the outline, so a published version's
    translation lasts as long as its outline; it reads nothing from the database.
    """
    language = str(locale or get_locale() or SOURCE_LANGUAGE).split("_")[0]
    if language == SOURCE_LANGUAGE:
        return outline
    translated = outline.translations.get(language)
    if translated is None:
        translated = _translate(outline, language, _translations(language))
        outline.translations[language] = translated
    return translated


def _translations(language: str) -> dict[str, str]:
    """The standard wording's English → its translation, for those the catalog has."""
    found = {}
    with force_locale(language):
        for english, (message, parts) in standard_wording().items():
            text = gettext(message)
            if text == message:
                continue  # not in the catalog: shown in English, and marked so
            if parts:
                text = gettext(message, **{name: gettext(part) for name, part in parts.items()})
            found[english] = text
    return found


def _translate(outline: Outline, language: str, translations: dict[str, str]) -> Outline:
    def text(english: str) -> tuple[str, str]:
        translation = translations.get(english)
        return (translation, language) if translation else (english, SOURCE_LANGUAGE)

    def question(item: QuestionItem) -> QuestionItem:
        label, label_lang = text(item.label)
        help_, help_lang = text(item.help)
        return replace(item, label=label, label_lang=label_lang, help=help_, help_lang=help_lang,
                       options=tuple(Option(o.value, *text(o.label)) for o in item.options))

    questions = {key: question(item) for key, item in outline.questions_by_key.items()}

    def paragraph(item: ParagraphItem) -> ParagraphItem:
        return replace(item, questions=tuple(questions[q.key] for q in item.questions))

    paragraphs = {number: paragraph(item)
                  for number, item in outline.paragraphs_by_number.items()}

    def section(item: SectionItem) -> SectionItem:
        title, title_lang = text(item.title)
        return replace(
            item, title=title, title_lang=title_lang,
            paragraphs=tuple(paragraphs[p.number] for p in item.paragraphs),
            own_questions=tuple(questions[q.key] for q in item.own_questions),
            subsections=tuple(section(sub) for sub in item.subsections))

    sections = tuple(section(item) for item in outline.sections)
    by_key = {}
    for top in sections:
        by_key[top.key] = top
        for sub in top.subsections:
            by_key[sub.key] = sub
    return replace(outline, sections=sections, sections_by_key=by_key,
                   questions_by_key=questions, paragraphs_by_number=paragraphs)
