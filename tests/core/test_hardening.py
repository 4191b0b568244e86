"""Production behaviour: secure cookies, HSTS, limits that answer clearly, and errors that
show a reference instead of a stack trace and are logged with the same reference."""

import logging

import pytest

from survey import create_app
from tests.conftest import TEST_SECRET_KEY, Client, app_config, login, page_text


@pytest.fixture
def production_app(app, tmp_path):
    url = app.config["SURVEY"].DATABASE_URL
    production = create_app(app_config(tmp_path, url, ENV="production", TESTING=False,
                                       SECRET_KEY=TEST_SECRET_KEY))
    production.test_client_class = Client
    # Share the test's transaction, so it sees (and rolls back) the same data.
    production.extensions["survey.db"].connectable = app.extensions["survey.db"].connectable

    @production.route("/boom")
    def boom():
        raise RuntimeError("SELECT secret FROM somewhere; password=hunter2")

    yield production
    production.extensions["survey.db"].engine.dispose()


def test_production_cookies_and_headers(production_app, make_user):
    client = production_app.test_client()
    user = make_user("focal_point", "JPN")
    login(client, user)
    response = client.get("/login")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    cookie = client.get_cookie("survey_session")
    assert cookie.secure and cookie.http_only and cookie.same_site == "Lax"


def test_an_error_shows_a_reference_and_logs_it_without_leaking(production_app, caplog):
    client = production_app.test_client()
    with caplog.at_level(logging.ERROR):
        response = client.get("/boom")
    assert response.status_code == 500
    text = page_text(response)
    assert "Something went wrong on our side" in text
    assert "hunter2" not in text and "SELECT" not in text and "Traceback" not in text
    reference = response.headers["X-Request-Id"]
    assert reference in text
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert logged and logged[0].request_id == reference
    assert "hunter2" in logged[0].exc_text  # the detail goes to the log, not to the user


def test_a_request_that_is_too_large_gets_a_clear_answer(client, app):
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post("/login", data={"email": "x@example.org",
                                           "password": "p" * (limit + 10)})
    assert response.status_code == 413
    assert "too large" in page_text(response)


def test_too_many_form_fields_are_refused_clearly(client, app):
    fields = {f"field{i}": "x" for i in range(app.config["MAX_FORM_PARTS"] + 1)}
    response = client.post("/login", data=fields)
    assert response.status_code == 413


def test_an_overlong_login_field_is_a_message_not_a_crash(client):
    response = client.post("/login", data={"email": "a" * 300 + "@example.org",
                                           "password": "x"})
    assert response.status_code == 200
    assert "254" in page_text(response)


def test_production_without_redis_says_what_it_means_for_several_servers(app, tmp_path,
                                                                         caplog):
    url = app.config["SURVEY"].DATABASE_URL
    with caplog.at_level(logging.WARNING):
        production = create_app(app_config(tmp_path, url, ENV="production", TESTING=False,
                                           SECRET_KEY=TEST_SECRET_KEY))
    production.extensions["survey.db"].engine.dispose()
    assert any("SURVEY_REDIS_URL is not set: rate limits are counted per process"
               in record.getMessage() for record in caplog.records)
