"""Interface language: the user's choice, else the browser's, among the six UN languages."""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import get_datetime_format
from flask import Flask, g, has_request_context, request, session
from flask_babel import format_date, format_time, get_locale
from flask_login import current_user
from markupsafe import Markup, escape

from survey.config import LANGUAGES
from survey.states.services import state_name

# Each language's own name, shown in the language menu whatever the current language.
LANGUAGE_NAMES = {
    "ar": "العربية",
    "zh": "中文",
    "en": "English",
    "fr": "Français",
    "ru": "Русский",
    "es": "Español",
}
RIGHT_TO_LEFT = {"ar"}


def select_locale() -> str:
    if not has_request_context():
        return "en"  # commands and background jobs
    if current_user and current_user.is_authenticated and current_user.locale in LANGUAGES:
        return current_user.locale
    if session.get("locale") in LANGUAGES:
        return session["locale"]
    if g.get("link_locale") in LANGUAGES:  # an invitation's page, in the invitee's language
        return g.link_locale
    return request.accept_languages.best_match(LANGUAGES) or "en"


def text_direction() -> str:
    return "rtl" if str(get_locale()) in RIGHT_TO_LEFT else "ltr"


def lang_attrs(lang: str | None) -> Markup:
    """` lang="en"` (with ` dir="ltr"` on a right-to-left page) for an element whose text is
    not in the page's language, such as the declaration's English on a French page; nothing
    when it is (WCAG 2.1 SC 3.1.2, language of parts)."""
    page = str(get_locale() or "en")
    if not lang or lang == page:
        return Markup("")
    direction = "rtl" if lang in RIGHT_TO_LEFT else "ltr"
    if direction == text_direction():
        return Markup(' lang="{}"').format(lang)
    return Markup(' lang="{}" dir="{}"').format(lang, direction)


def lang_span(text: str, lang: str | None) -> Markup:
    """The text, escaped, in a ``<span>`` with its language if that is not the page's."""
    attrs = lang_attrs(lang)
    return Markup("<span{}>{}</span>").format(attrs, text) if attrs else escape(text)


def isolate(text: object) -> str:
    """``text`` between Unicode's first-strong isolate and pop marks, for a name, address or
    title typed by people (in any script) inside a sentence, a page title or an option's
    label, which carry no markup (elsewhere pages use <bdi>): "j.smith@example.org." keeps
    its order on an Arabic page, and an Arabic name its own on an English one. The marks
    are invisible."""
    return f"\u2068{text}\u2069"


def when(moment: datetime | None) -> str:
    """A moment as users read it everywhere: the day as :func:`day` writes it and a 24-hour
    clock, joined as the language joins them ("December 4, 2026, 21:12", "2026年12月4日
    21:12"), in UTC."""
    if moment is None:
        return ""
    joined = get_datetime_format("medium", locale=get_locale())
    return (joined.replace("{1}", format_date(moment, "long"))
            .replace("{0}", format_time(moment, "HH:mm")) + " UTC")


def day(value: date | None) -> str:
    return "" if value is None else format_date(value, "long")


def init_app(app: Flask) -> None:
    app.add_template_filter(when)
    app.add_template_filter(day)
    app.add_template_global(lang_attrs)
    app.add_template_global(lang_span)
    app.add_template_filter(state_name)
    app.add_template_filter(isolate)
    @app.context_processor
    def language_context() -> dict:
        return {
            "LANGUAGES": LANGUAGES,
            "LANGUAGE_NAMES": LANGUAGE_NAMES,
            "current_locale": str(get_locale()),
            "text_direction": text_direction(),
        }
