"""What the other security tests take for granted, checked on every endpoint: the security
headers on every answer, no caching of a State's data, the session cookie's flags, the
password hash, and the limit on password-reset requests."""

from __future__ import annotations

from survey.auth.passwords import verify_password
from tests.conftest import page_text
from tests.security.matrix import ACTORS, MATRIX, Actors, World, rule_for, send, url_for_rule

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def test_every_endpoint_answers_with_the_security_headers_and_no_caching(app):
    """Each GET of the matrix (pages, JSON, PDF, CSV, XLSX), as an actor who may read it."""
    world, actors = World(), Actors(app)
    checked = 0
    for key, row in sorted(MATRIX.items()):
        if "GET" not in row.expected:
            continue
        url = url_for_rule(app, rule_for(app, key), row.args(world))
        for actor in ACTORS:
            if row.expected["GET"][actor] != 200:
                continue
            reply = send(actors.client(actor), "GET", url, row, world)
            assert reply.status_code == 200, (key, actor)
            headers = reply.headers
            for name, value in SECURITY_HEADERS.items():
                assert headers.get(name) == value, (key, name)
            csp = headers["Content-Security-Policy"]
            assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, key
            assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, key
            if actor != "anonymous":
                # A State's unpublished answers stay out of shared and browser caches.
                assert "no-store" in headers.get("Cache-Control", ""), (key, actor)
            checked += 1
            break
    assert checked > 40


def test_the_session_cookie_is_http_only_and_same_site(client, make_user):
    from tests.conftest import login

    login(client, make_user("observer", "JPN"))
    cookie = client.get_cookie("survey_session")
    assert cookie.http_only and cookie.same_site == "Lax"
    assert not cookie.secure  # only in production (tests/core/test_hardening.py)


def test_passwords_are_stored_as_argon2id_with_owasps_parameters(make_user):
    user = make_user("contributor", "JPN", password="a long and unusual passphrase")
    assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert "a long and unusual passphrase" not in user.password_hash
    assert verify_password(user.password_hash, "a long and unusual passphrase")
    assert not verify_password(user.password_hash, "a long and unusual passphrasE")


def test_password_reset_requests_are_rate_limited(client, make_user):
    user = make_user("observer", "JPN")
    for _ in range(5):  # RESET_RATE_LIMIT: 5 a minute from one address
        assert client.post("/forgot-password", data={"email": user.email}).status_code == 302
    refused = client.post("/forgot-password", data={"email": user.email})
    assert refused.status_code == 429
    assert "Too many attempts" in page_text(refused)


def test_a_password_reset_link_is_rate_limited_too(client, make_user):
    world = World()
    path = f"/set-password/{world.invitation_token}"
    for _ in range(5):
        assert client.post(path, data={"password": "x", "confirm": "y"}).status_code == 200
    assert client.post(path, data={"password": "x", "confirm": "y"}).status_code == 429


def test_sign_in_and_the_language_switch_never_send_anyone_to_another_site(client, make_user):
    from tests.conftest import PASSWORD

    user = make_user("observer", "JPN")
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "\\\\evil"):
        reply = client.post(f"/login?next={target}",
                            data={"email": user.email, "password": PASSWORD})
        assert reply.status_code == 302 and reply.headers["Location"] == "/", target
        reply = client.post("/language", data={"locale": "fr", "next": target})
        assert reply.headers["Location"] == "/", target
        client.post("/logout")
    reply = client.post("/login?next=/responses/1", data={"email": user.email,
                                                          "password": PASSWORD})
    assert reply.headers["Location"] == "/responses/1"  # a page of this site is fine


def test_search_fields_take_sql_and_wildcards_literally(client, login_as):
    """Filters go to the database as bound parameters, with LIKE's wildcards escaped."""
    login_as("admin", None)
    everyone = page_text(client.get("/admin/states"))
    assert "Japan" in everyone
    for text in ("%", "_", "' OR '1'='1", "Japan'; DROP TABLE states; --", "\\"):
        for path, name in (("/admin/users", "q"), ("/admin/audit", "object_id"),
                           ("/admin/audit", "user")):
            reply = client.get(path, query_string={name: text})
            assert reply.status_code == 200, (path, text, reply.status_code)
        reply = client.get("/admin/states", query_string={"q": text})
        assert reply.status_code == 200 and "Japan" not in page_text(reply), text
    assert "Japan" in page_text(client.get("/admin/states", query_string={"q": "japan"}))
