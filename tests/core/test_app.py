"""The app answers, offers a login, and protects every response."""

from tests.conftest import page_text


def test_the_front_door_asks_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    login_page = client.get(response.headers["Location"])
    assert login_page.status_code == 200
    text = page_text(login_page)
    assert "Sign in" in text and "E-mail address" in text and "Password" in text


def test_security_headers_on_every_response(client):
    for path in ("/login", "/static/css/survey.css", "/no-such-page"):
        headers = client.get(path).headers
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in headers  # only in production


def test_not_found_is_a_friendly_page_with_the_layout(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in page_text(response)
    assert 'href="#main"' in response.get_data(as_text=True)


def test_health_check(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
