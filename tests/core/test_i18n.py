"""The interface follows the user's language; Arabic reads right to left. (That each
catalog is whole is tests/core/test_translations.py's part.)"""

import re

from tests.conftest import page_text


def test_the_page_speaks_the_browsers_language(client):
    page = client.get("/login", headers={"Accept-Language": "fr-CH, fr;q=0.9, en;q=0.5"})
    html = page.get_data(as_text=True)
    assert '<html lang="fr" dir="ltr">' in html
    assert "Se connecter" in page_text(page) and "Adresse électronique" in page_text(page)


def test_arabic_is_right_to_left_and_the_choice_is_kept(client):
    page = client.get("/login", headers={"Accept-Language": "ar"})
    assert '<html lang="ar" dir="rtl">' in page.get_data(as_text=True)
    client.post("/language", data={"locale": "zh", "next": "/login"})
    page = client.get("/login", headers={"Accept-Language": "ar"})
    assert '<html lang="zh" dir="ltr">' in page.get_data(as_text=True)


def test_only_the_six_un_languages(client):
    page = client.get("/login", headers={"Accept-Language": "de"})
    assert '<html lang="en"' in page.get_data(as_text=True)
    for code in ("ar", "zh", "en", "fr", "ru", "es"):
        assert f'<option value="{code}" lang="{code}"' in page.get_data(as_text=True)



def test_names_typed_in_another_script_keep_their_order_in_titles_and_messages(
        client, make_user):
    """Where no markup can set them apart (a page title, a message), a Latin name on an
    Arabic page sits between Unicode isolate marks, so that its dots and brackets stay
    where they belong."""
    from survey.core.db import db
    from tests.conftest import login, response_of

    admin = make_user("admin", None)
    admin.locale = "ar"
    focal_point = make_user("focal_point", "JOR")
    focal_point.locale = "ar"
    db.session.commit()
    login(client, focal_point)
    response = response_of("JOR")
    nominated = client.post(f"/responses/{response.id}/team", data={
        "display_name": "J. Smith (Registry)", "email": "j.smith@example.org",
        "role": "observer", "action": "invite"}, follow_redirects=True).get_data(as_text=True)
    message = re.search(r'<p class="flash flash--success">(.*?)</p>', nominated).group(1)
    assert "\u2068J. Smith (Registry)\u2069" in message

    client.post("/logout")
    login(client, admin)
    users = client.get("/admin/users?q=smith").get_data(as_text=True)
    user_id = re.search(r'href="/admin/users/(\d+)"', users).group(1)
    html = client.get(f"/admin/users/{user_id}").get_data(as_text=True)
    title = re.search(r"<title>(.*?)</title>", html, flags=re.S).group(1)
    assert title.startswith("\u2068J. Smith (Registry)\u2069 · ")


def test_moments_are_written_as_each_language_writes_dates(app):
    """The same day as the deadlines beside them, the clock after it, in the language's
    order: not one English-shaped pattern for all."""
    from datetime import datetime

    from flask_babel import force_locale

    from survey.core.i18n import day, when

    moment = datetime(2026, 12, 4, 21, 12)
    with app.test_request_context():
        written = {}
        for locale in ("en", "fr", "zh", "ar"):
            with force_locale(locale):
                written[locale] = when(moment)
                assert written[locale].startswith(day(moment.date()))
        assert written["en"] == "December 4, 2026, 21:12 UTC"
        assert written["fr"] == "4 décembre 2026, 21:12 UTC"
        assert written["zh"] == "2026年12月4日 21:12 UTC"
        assert written["ar"] == "4 ديسمبر 2026، 21:12 UTC"
