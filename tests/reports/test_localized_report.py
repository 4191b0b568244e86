"""The national report in the reader's language: the questionnaire's standard wording is
translated, the declaration's text and headings are quoted in English and marked so."""

from __future__ import annotations

import re

from flask_babel import force_locale

from survey.core.db import db
from survey.reports.national import build_report, render_report, report_html
from tests.conftest import page_text, response_of
from tests.reports.conftest import answer, pdf_text

ANSWERS = {
    "p22.status": "fully",
    "p22.challenges": ["data", "resources"],
    "p22.assistance": ["training"],
    "p22.instruments.iccs": "partially",
    "general.stakeholders": ["parliament"],
}


def squeeze(text: str) -> str:
    return re.sub(r"[\s\u200b]+", "", text)


def test_the_french_preview_words_the_answers_in_french(client, login_as):
    user = login_as("focal_point", "JPN")
    user.locale = "fr"
    db.session.commit()
    response = response_of("JPN")
    answer(response, user, ANSWERS)
    db.session.commit()

    page = client.get(f"/responses/{response.id}/report")
    html, text = page.get_data(as_text=True), page_text(page)

    for french in ("Pleinement mis en œuvre", "Lacunes dans les données",
                   "Ressources financières limitées", "Formation et renforcement des capacités",
                   "Partiellement mis en œuvre", "Parlement",
                   "Dans quelle mesure votre État applique-t-il la Classification internationale"):
        assert french in text, french
    for english in ("Fully implemented", "Data gaps", "Training and capacity-building",
                    "To what extent"):
        assert english not in text, english
    paragraph = next(p for s in build_report_in(response, "fr").sections
                     for p in s.all_paragraphs() if p.number == 22)
    assert f'<p lang="en">{paragraph.text[0]}</p>' in html.replace("&#39;", "'")
    assert '<span lang="en"><span class="number" dir="ltr">I.</span> Advancing crime prevention' \
           '</span>' in html


def build_report_in(response, locale: str):
    with force_locale(locale):
        return build_report(response)


def test_the_french_pdf_words_the_answers_in_french(app, make_user):
    user = make_user("focal_point", "JPN")
    response = response_of("JPN")
    answer(response, user, ANSWERS)
    db.session.commit()

    with app.test_request_context("/"), force_locale("fr"):
        flat = squeeze(pdf_text(render_report(response)))

    for french in ("Statut de la mise en œuvre : Pleinement mis en œuvre",
                   "Lacunes dans les données", "Formation et renforcement des capacités",
                   "Dans quelle mesure votre État applique-t-il la Classification internationale "
                   "des infractions à des fins statistiques ?"):
        assert squeeze(french) in flat, french
    assert squeeze("Fully implemented") not in flat


def test_the_english_report_has_no_lang_marks(client, login_as):
    user = login_as("focal_point", "JPN")
    response = response_of("JPN")
    answer(response, user, ANSWERS)
    db.session.commit()

    html = client.get(f"/responses/{response.id}/report").get_data(as_text=True)

    assert 'lang="en"' not in html.replace('<html lang="en"', "").replace(
        '<option value="en" lang="en"', "")
    assert '<span class="status status--fully">Fully implemented</span>' in html
    assert "<li>Data gaps</li>" in html


def test_in_arabic_the_declarations_english_runs_left_to_right(app, make_user):
    response = response_of("JPN")
    answer(response, make_user("focal_point", "JPN"), ANSWERS)
    db.session.commit()

    with app.test_request_context("/"), force_locale("ar"):
        html = report_html(response)

    assert '<html lang="ar" dir="rtl">' in html
    # The section's number inside the title's left-to-right span: "I." (not ".I").
    assert '<span lang="en" dir="ltr"><span class="number" dir="ltr">I.</span> ' \
           'Advancing crime prevention</span>' in html
    assert re.search(r'<p lang="en" dir="ltr">We ', html)
    # The notes as a whole list, so that its numbers stand on the left of English text.
    assert re.search(r'<ol class="footnotes" lang="en" dir="ltr"><li value="\d+">', html)
    assert "تنفيذ كامل" in html
