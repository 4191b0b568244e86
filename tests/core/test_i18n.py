"""The interface follows the user's language; Arabic reads right to left. Catalogs are
only data: this test builds a tiny French one and sees the page use it."""

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from survey import create_app
from tests.conftest import Client, app_config, page_text


def french_catalog(directory):
    catalog = Catalog(locale="fr")
    catalog.add("Sign in", "Se connecter")
    catalog.add("E-mail address", "Adresse électronique")
    target = directory / "fr" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "messages.mo").open("wb") as out:
        write_mo(out, catalog)
    return directory


def test_the_page_speaks_the_browsers_language(app, tmp_path):
    url = app.config["SURVEY"].DATABASE_URL
    translated = create_app(app_config(
        tmp_path, url, BABEL_TRANSLATION_DIRECTORIES=str(french_catalog(tmp_path / "tr"))))
    translated.test_client_class = Client
    try:
        page = translated.test_client().get(
            "/login", headers={"Accept-Language": "fr-CH, fr;q=0.9, en;q=0.5"})
    finally:
        translated.extensions["survey.db"].engine.dispose()
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
