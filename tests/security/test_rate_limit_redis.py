"""Rate limits shared by every app server: with SURVEY_REDIS_URL the limiter keeps its
counters in Redis, so a limit holds across two gunicorn servers behind one address.

Needs Redis (SURVEY_TEST_REDIS_URL, default redis://127.0.0.1:6379/15): skipped when it is
unreachable, a failure when SURVEY_TEST_REDIS_URL names it explicitly.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import pytest
import redis

from survey import PROJECT_ROOT
from tests.conftest import TEST_REDIS_URL, TEST_SECRET_KEY, redis_or_skip
from tests.e2e.server import LiveServer

pytestmark = pytest.mark.slow

KEY_PATTERN = "*survey-limit*"


def _clear(connection: redis.Redis) -> None:
    for key in connection.scan_iter(KEY_PATTERN):
        connection.delete(key)


@pytest.fixture
def limit_store():
    connection = redis_or_skip()
    _clear(connection)
    try:
        yield connection
    finally:
        _clear(connection)
        connection.close()


@pytest.fixture
def two_servers(committed_app, tmp_path, limit_store):
    """Two app servers (one gunicorn each) sharing the database and Redis."""
    env = {"SURVEY_REDIS_URL": TEST_REDIS_URL, "SURVEY_LOGIN_RATE_LIMIT": "6 per hour",
           "SURVEY_RESET_RATE_LIMIT": "4 per hour"}
    first = LiveServer(committed_app, tmp_path / "a", env=env, workers=1, name="a")
    try:
        second = LiveServer(committed_app, tmp_path / "b", env=env, workers=1, name="b")
    except BaseException:
        first.stop()
        raise
    yield first, second
    first.stop()
    second.stop()


class Visitor:
    """One browser (cookies, the CSRF token of the last form read) behind a load balancer
    that sends each request to whichever server it likes."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.token = ""

    def get(self, server: LiveServer, path: str) -> str:
        with self.opener.open(server.url(path), timeout=30) as reply:
            html = reply.read().decode()
        self.token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"',
                               html).group(1)
        return html

    def post(self, server: LiveServer, path: str, fields: dict) -> tuple[int, dict, str]:
        """Post a form (following the redirect after it, as a browser does)."""
        data = urllib.parse.urlencode({**fields, "csrf_token": self.token}).encode()
        try:
            with self.opener.open(server.url(path), data=data, timeout=30) as reply:
                return reply.status, dict(reply.headers), reply.read().decode()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, dict(error.headers), error.read().decode()


def test_the_limiter_stores_its_counters_in_redis(committed_app, limit_store, tmp_path):
    """The app built from the environment, as gunicorn builds it, picks Redis storage."""
    url = committed_app.extensions["survey.db"].engine.url.render_as_string(False)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("SURVEY_")},
           "SURVEY_DATABASE_URL": url, "SURVEY_SECRET_KEY": TEST_SECRET_KEY,
           "SURVEY_INSTANCE_PATH": str(tmp_path), "SURVEY_REDIS_URL": TEST_REDIS_URL}
    probe = ("from survey import create_app\nfrom survey.extensions import limiter\n"
             "create_app()\nprint(type(limiter.storage).__name__)\n")
    found = subprocess.run([sys.executable, "-c", probe], cwd=PROJECT_ROOT, env=env,
                           capture_output=True, text=True, timeout=120, check=True)
    assert found.stdout.strip() == "RedisStorage", found.stderr
    del env["SURVEY_REDIS_URL"]
    found = subprocess.run([sys.executable, "-W", "ignore", "-c", probe], cwd=PROJECT_ROOT,
                           env=env, capture_output=True, text=True, timeout=120, check=True)
    assert found.stdout.strip() == "MemoryStorage"


def test_the_login_limit_holds_across_two_app_servers(two_servers, limit_store):
    first, second = two_servers
    visitor = Visitor()
    visitor.get(first, "/login")
    statuses, remaining = [], []
    for attempt in range(6):  # the limit: 6 failed attempts an hour
        server = (first, second)[attempt % 2]
        status, headers, _page = visitor.post(server, "/login", {
            "email": "nobody@example.org", "password": f"wrong password {attempt}"})
        statuses.append(status)
        remaining.append(int(headers["X-RateLimit-Remaining"]))
    assert statuses == [200] * 6  # the form again, with its message
    assert remaining == [5, 4, 3, 2, 1, 0]  # one count, whichever server answered
    assert list(limit_store.scan_iter(KEY_PATTERN))  # the counters are in Redis

    # The 7th attempt is refused by both servers, even with the right password.
    for server in (first, second):
        status, _headers, page = visitor.post(server, "/login", {
            "email": "nobody@example.org", "password": "correct horse battery staple"})
        assert status == 429
        assert "Too many attempts" in page


def test_the_password_reset_limit_holds_across_two_app_servers(two_servers, limit_store):
    first, second = two_servers
    visitor = Visitor()
    visitor.get(second, "/forgot-password")
    statuses = []
    for attempt in range(5):  # the limit: 4 requests an hour
        server = (second, first)[attempt % 2]
        status, _headers, _page = visitor.post(server, "/forgot-password",
                                               {"email": f"someone{attempt}@example.org"})
        statuses.append(status)
    # Each accepted request redirects to the sign-in page (opened: 200); the 5th is refused.
    assert statuses == [200, 200, 200, 200, 429]
    status, _headers, page = visitor.post(first, "/forgot-password", {"email": "x@example.org"})
    assert status == 429
    assert "Too many attempts" in page
