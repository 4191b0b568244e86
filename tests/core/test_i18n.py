"""The interface follows the user's language; Arabic reads right to left. (That each
catalog is whole is tests/core/test_translations.py's part.)"""

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
