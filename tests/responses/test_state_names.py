"""The State's pages name it in the user's language, in the headings and in the sentences
that embed the name (the sign-off above all); a name the secretariat gave is kept."""

from __future__ import annotations

import re

from survey.core.db import db
from tests.conftest import login, page_text, response_of, state_by_code
from tests.responses.helpers import complete


def speaking(user, locale):
    user.locale = locale
    db.session.commit()
    return user


def test_a_french_speaking_team_reads_its_states_name_in_french(client, make_user):
    focal_point = speaking(make_user("focal_point", "DEU"), "fr")
    response = response_of("DEU")
    complete(response, focal_point)
    login(client, focal_point)

    overview = client.get(f"/responses/{response.id}")
    assert "<h1>Allemagne</h1>" in overview.get_data(as_text=True)
    assert "Germany" not in page_text(overview)

    team = page_text(client.get(f"/responses/{response.id}/team"))
    assert "Allemagne : personnes participant à l'auto-évaluation" in team

    submit = client.get(f"/responses/{response.id}/submit")
    assert re.search(r'<label for="confirm">[^<]*Gouvernement[^<]*Allemagne[^<]*</label>',
                     submit.get_data(as_text=True))
    assert "Germany" not in page_text(submit)


def test_each_language_names_a_state_whose_english_name_is_inverted(client, make_user):
    focal_point = make_user("focal_point", "KOR")
    response = response_of("KOR")
    login(client, focal_point)
    for locale, name in [("en", "Republic of Korea"), ("fr", "République de Corée"),
                         ("es", "República de Corea"), ("ru", "Республика Корея"),
                         ("ar", "جمهورية كوريا"), ("zh", "大韩民国")]:
        speaking(focal_point, locale)
        html = client.get(f"/responses/{response.id}").get_data(as_text=True)
        assert f"<h1>{name}</h1>" in html, locale


def test_a_name_the_secretariat_gave_is_shown_as_stored(client, make_user):
    state_by_code("DEU").name = "Federal Republic of Germany"
    focal_point = speaking(make_user("focal_point", "DEU"), "fr")
    login(client, focal_point)
    html = client.get(f"/responses/{response_of('DEU').id}").get_data(as_text=True)
    assert "<h1>Federal Republic of Germany</h1>" in html


def test_in_arabic_the_cycles_latin_name_keeps_its_own_order(client, make_user):
    """"2026 reporting cycle" in an Arabic line would read "reporting cycle 2026" without
    bidirectional isolation."""
    focal_point = speaking(make_user("focal_point", "EGY"), "ar")
    response = response_of("EGY")
    login(client, focal_point)
    cycle = response.cycle.name
    for path in ("", "/sections/I", "/team", "/submit", "/answers/p21.status/history"):
        html = client.get(f"/responses/{response.id}{path}").get_data(as_text=True)
        assert f"— <bdi>{cycle}</bdi>" in html, path
