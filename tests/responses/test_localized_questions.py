"""A State answers in its language: the questionnaire's standard wording is translated on its
pages, while the declaration's text, the paragraphs' own actions and any wording an
administrator changed stay in English and say so (lang="en"; WCAG 2.1 SC 3.1.2)."""

from __future__ import annotations

import re

import pytest

from survey.core.db import db
from survey.cycles.services import current_cycle, move_to_version
from survey.questionnaires.services import export_definition, import_definition, publish_version
from survey.responses import services
from tests.conftest import page_text, response_of
from tests.responses.helpers import tokens_on_page

NBSP = "\u00a0"
STATUS_FR = f"Dans quelle mesure votre État a-t-il mis en œuvre ce paragraphe{NBSP}?"


@pytest.fixture
def speaking(login_as):
    """speaking("fr"): Japan's focal point signed in, with the interface in that language."""

    def sign_in(locale: str):
        user = login_as("focal_point", "JPN")
        user.locale = locale
        db.session.commit()
        return response_of("JPN")

    return sign_in


def html_of(client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200
    return page.get_data(as_text=True)


def elements_in_english(html: str) -> list[str]:
    """The opening tags that say their content is English, other than the page's own."""
    return [tag for tag in re.findall(r"<[a-z0-9]+[^>]*\blang=\"en\"[^>]*>", html)
            if not tag.startswith(("<html", "<option"))]


def test_a_french_page_asks_in_french_and_quotes_the_declaration_in_english(client, speaking):
    response = speaking("fr")
    paragraph = services.outline_for(response).paragraphs_by_number[22]

    html = html_of(client, f"/responses/{response.id}/sections/I")
    text = page_text(client.get(f"/responses/{response.id}/sections/I"))

    assert '<html lang="fr" dir="ltr">' in html
    assert f"<legend>{STATUS_FR} " in html
    assert '<label for="q-p22-status-0">Pleinement mis en œuvre</label>' in html
    assert "Sans objet" in text and "Autre" in text and "Cochez toutes les réponses" in text
    # (page_text reads the no-break space before "?" as any space.)
    assert ("Dans quelle mesure votre État applique-t-il la Classification internationale des "
            "infractions à des fins statistiques ?") in text
    for english in ("To what extent has your State implemented", "Fully implemented",
                    "Tick all that apply", "Which authorities"):
        assert english not in text
    # The declaration has no translation here: its text, headings and actions are marked.
    assert f'<p lang="en">{paragraph.text}</p>' in html.replace("&#39;", "'")
    assert '<h1 lang="en">Advancing crime prevention</h1>' in html
    action = next(o for o in paragraph.questions[1].options if o.value == "a1")
    assert f'<label for="q-p22-actions-0" lang="en">{action.label}</label>' in html


def test_in_arabic_the_english_parts_also_run_left_to_right(client, speaking):
    response = speaking("ar")
    html = html_of(client, f"/responses/{response.id}/sections/I")

    assert '<html lang="ar" dir="rtl">' in html
    assert '<h1 lang="en" dir="ltr">Advancing crime prevention</h1>' in html
    assert all('dir="ltr"' in tag for tag in elements_in_english(html))
    assert "إلى أي مدى نفَّذت دولتك هذه الفقرة؟" in page_text(
        client.get(f"/responses/{response.id}/sections/I"))


def test_a_french_labelled_choice_is_saved_as_the_same_value(client, speaking):
    response = speaking("fr")
    url = f"/responses/{response.id}/sections/I"
    tokens = tokens_on_page(html_of(client, url))

    reply = client.post(url, data={"p22.status": "fully", "base.p22.status": tokens["p22.status"],
                                   "p22.challenges": ["data", "other"],
                                   "base.p22.challenges": tokens["p22.challenges"]})

    assert reply.status_code == 302
    values = services.answer_values(response)
    assert values["p22.status"] == "fully"
    assert values["p22.challenges"] == ["data", "other"]
    html = html_of(client, url)
    assert re.search(r'<input checked id="q-p22-status-0"[^>]*value="fully">', html)


def test_the_general_part_and_the_submit_list_are_in_french(client, speaking):
    response = speaking("fr")

    general = html_of(client, f"/responses/{response.id}/sections/general")
    submit = html_of(client, f"/responses/{response.id}/submit")

    assert "<h1>Informations générales</h1>" in general
    assert ("Quelle institution a coordonné l'élaboration de la présente auto-évaluation"
            in general.replace("&#39;", "'"))
    assert not elements_in_english(general)
    assert f"Paragraphe 22 — {STATUS_FR}</a>" in submit
    assert "To what extent" not in submit


def test_an_english_page_reads_as_before_without_lang_marks(client, speaking):
    response = speaking("en")
    html = html_of(client, f"/responses/{response.id}/sections/I")

    assert not elements_in_english(html)
    assert ("<legend>To what extent has your State implemented this paragraph? "
            '<span class="required-mark">') in html
    assert '<label for="q-p22-status-0">Fully implemented</label>' in html
    assert '<p class="hint" id="q-p22-challenges-hint">Tick all that apply.</p>' in html


def test_a_label_an_administrator_changed_is_shown_as_written(client, speaking):
    response = speaking("fr")
    cycle = current_cycle()
    definition = export_definition(cycle.questionnaire_version)
    paragraph = next(p for p in definition["paragraphs"] if p["number"] == 22)
    status = next(q for q in paragraph["questions"] if q["key"] == "p22.status")
    status["label"] = "How far has your State come with this paragraph?"
    status["options"][0]["label"] = "All done"
    version = import_definition(definition)
    publish_version(version, actor=None)
    move_to_version(cycle, version, actor=None)
    db.session.commit()

    html = html_of(client, f"/responses/{response.id}/sections/I")

    assert ('<legend><span lang="en">How far has your State come with this paragraph?</span> '
            in html)
    assert '<label for="q-p22-status-0" lang="en">All done</label>' in html
    assert '<label for="q-p22-status-1">Mis en œuvre en grande partie</label>' in html
    # The help text was left as generated: still translated.
    assert "Évaluez le paragraphe dans son ensemble" in html


def test_the_overview_and_an_answers_history_in_french(client, speaking):
    response = speaking("fr")
    url = f"/responses/{response.id}/sections/I"
    tokens = tokens_on_page(html_of(client, url))
    client.post(url, data={"p22.status": "largely", "base.p22.status": tokens["p22.status"]})

    overview = html_of(client, f"/responses/{response.id}")
    history = html_of(client, f"/responses/{response.id}/answers/p22.status/history")

    assert ">Informations générales</a>" in overview
    assert '/sections/I" lang="en">Advancing crime prevention</a>' in overview
    assert f"paragraphe 22, {STATUS_FR}</a>" in overview
    assert f"<strong>{STATUS_FR}</strong>" in history
    assert 'lang="en">Advancing crime prevention</a>' in history
    assert "Mis en œuvre en grande partie" in history
