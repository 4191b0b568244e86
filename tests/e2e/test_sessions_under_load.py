"""A page and the files it loads arrive at the server together, with the same session: none
of them may fail because the session's activity is being recorded (a real gunicorn, real
HTTP, several requests at once)."""

from __future__ import annotations

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest
import sqlalchemy as sa

from survey.auth.models import LoginSession, User
from survey.core.db import db, utcnow
from tests.conftest import PASSWORD
from tests.e2e.server import LiveServer

pytestmark = pytest.mark.slow

PARALLEL = 6
ROUNDS = 5


@pytest.fixture
def server(committed_app, tmp_path):
    live = LiveServer(committed_app, tmp_path, workers=2, threads=4)
    yield live
    live.stop()


def _get(opener, url: str) -> int:
    try:
        with opener.open(url, timeout=60) as reply:
            reply.read()
            return reply.status
    except urllib.error.HTTPError as error:
        with error:
            error.read()
            return error.code


def test_simultaneous_requests_of_one_session_all_succeed(committed_app, server, team_of):
    team = team_of("URY")
    user = team.user("focal_point", "Concurrent Reader")
    response_id = team.response_id()
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(server.url("/login"), timeout=30) as reply:
        token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"',
                          reply.read().decode()).group(1)
    form = urllib.parse.urlencode({"email": user.email, "password": PASSWORD,
                                   "csrf_token": token}).encode()
    with opener.open(server.url("/login"), data=form, timeout=30) as reply:
        assert reply.url.endswith(f"/responses/{response_id}")

    paths = [f"/responses/{response_id}", "/static/css/survey.css", "/static/js/answers.js",
             f"/responses/{response_id}/sections/general", "/static/favicon.svg",
             f"/responses/{response_id}/team"]
    statuses: list[int] = []
    for _round in range(ROUNDS):
        with committed_app.app_context():
            # The session has been idle for two minutes: the next request records activity.
            db.session.execute(sa.update(LoginSession).where(LoginSession.user_id == db.session
                               .scalar(sa.select(User.id).where(User.email == user.email)))
                               .values(last_seen_at=utcnow() - timedelta(minutes=2)))
            db.session.commit()
        start = threading.Barrier(PARALLEL)
        lock = threading.Lock()

        def fetch(path: str, start=start, lock=lock) -> None:
            start.wait()
            status = _get(opener, server.url(path))
            with lock:
                statuses.append(status)

        threads = [threading.Thread(target=fetch, args=(p,)) for p in paths[:PARALLEL]]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert statuses == [200] * (PARALLEL * ROUNDS), server.log()[-3000:]
