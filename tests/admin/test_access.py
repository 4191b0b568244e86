"""Only administrators reach the administration: every endpoint of the blueprint, found from
the URL map so that a new one is covered the day it is added."""

from __future__ import annotations

import pytest

from survey.questionnaires.services import published_version
from tests.conftest import login, response_of


def admin_urls(app) -> list[tuple[str, str]]:
    """(method, url) for every endpoint of the admin blueprint."""
    version = published_version("kyoto-2021")
    response = response_of("JPN")
    values = {"version_id": version.id, "key": "p22.status", "number": 22,
              "cycle_id": response.cycle_id, "response_id": response.id, "user_id": 1,
              "action": "close", "kind": "xlsx", "fingerprint": "0" * 32}
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith("admin."):
                continue
            arguments = {name: values[name] for name in rule.arguments}
            if rule.endpoint in ("admin.version_section", "admin.preview",
                                 "admin.add_section_question", "admin.edit_section"):
                arguments["key"] = "I"  # a section key, not a question key
            url = app.url_map.bind("localhost").build(rule.endpoint, arguments)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                found.append((method, url))
    return found


def test_every_admin_endpoint_is_listed(app):
    urls = admin_urls(app)
    assert len(urls) > 40
    assert ("GET", "/admin/") in urls and ("POST", "/admin/users/1/role") in urls


@pytest.mark.parametrize("role", ["focal_point", "contributor", "observer"])
def test_state_users_get_403_everywhere(app, client, make_user, role):
    login(client, make_user(role, "JPN"))
    for method, url in admin_urls(app):
        response = client.open(url, method=method, data={})
        assert response.status_code == 403, (method, url, response.status_code)


def test_anonymous_users_are_sent_to_sign_in(app, client):
    for method, url in admin_urls(app):
        response = client.open(url, method=method, data={})
        assert response.status_code == 302, (method, url)
        assert response.headers["Location"].startswith("/login"), (method, url)


def test_administrators_reach_every_page(app, client, admin):
    for method, url in admin_urls(app):
        if method != "GET":
            continue
        response = client.get(url)
        assert response.status_code in (200, 302), (url, response.status_code)


def test_the_front_page_and_the_navigation_lead_administrators_here(client, admin):
    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"] == "/admin/"
    page = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/"' in page and "Administration" in page


def test_state_users_do_not_see_the_administration_link(client, login_as):
    login_as("focal_point", "JPN")
    page = client.get(f"/responses/{response_of('JPN').id}").get_data(as_text=True)
    assert "/admin/" not in page
