"""Killing the server in the middle of a burst of saves loses no acknowledged save and
leaves no half-saved response: a real gunicorn, real HTTP, SIGKILL."""

from __future__ import annotations

import http.client
import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa

from survey import PROJECT_ROOT
from survey.auth.models import LoginSession, Role, User
from survey.auth.services import create_user
from survey.core.audit import AuditEvent
from survey.core.db import db
from survey.cycles.services import current_cycle
from survey.responses.models import Answer, Response
from survey.states.models import State
from tests.conftest import PASSWORD, TEST_SECRET_KEY

pytestmark = pytest.mark.slow

STATE = "SWE"
WRITERS = 4


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Browser:
    """Just enough of a browser: cookies, and the CSRF token of the last page read."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.csrf_token = ""

    def get(self, path: str) -> str:
        with self.opener.open(self.base_url + path, timeout=10) as reply:
            html = reply.read().decode()
        self.csrf_token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        return html

    def post_form(self, path: str, fields: dict) -> int:
        data = urllib.parse.urlencode({**fields, "csrf_token": self.csrf_token}).encode()
        with self.opener.open(self.base_url + path, data=data, timeout=10) as reply:
            return reply.status

    def post_json(self, path: str, body: dict) -> tuple[int, dict]:
        request = urllib.request.Request(
            self.base_url + path, data=json.dumps(body).encode(), method="POST",
            headers={"Content-Type": "application/json", "Accept": "application/json",
                     "X-CSRFToken": self.csrf_token})
        with self.opener.open(request, timeout=10) as reply:
            return reply.status, json.loads(reply.read())


@pytest.fixture
def server(committed_app, tmp_path):
    """gunicorn with two workers on the committed database, in its own process group."""
    url = committed_app.extensions["survey.db"].engine.url.render_as_string(False)
    port = free_port()
    env = {**os.environ, "SURVEY_DATABASE_URL": url, "SURVEY_SECRET_KEY": TEST_SECRET_KEY,
           "SURVEY_INSTANCE_PATH": str(tmp_path)}
    log = (tmp_path / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "wsgi:app"], cwd=PROJECT_ROOT, env=env, stdout=log, stderr=log,
        start_new_session=True)
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base_url + "/healthz", timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("gunicorn did not start: " + Path(log.name).read_text())
    yield process, base_url
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    log.close()


@pytest.fixture
def writer_account(committed_app):
    with committed_app.app_context():
        state = db.session.scalars(sa.select(State).where(State.code == STATE)).one()
        user = create_user("crash.test@example.org", "Crash Tester", Role.FOCAL_POINT, state,
                           actor=None, password=PASSWORD)
        response = db.session.scalars(sa.select(Response).where(
            Response.state_id == state.id, Response.cycle_id == current_cycle().id)).one()
        db.session.commit()
        ids = user.id, response.id
    yield ids
    with committed_app.app_context():
        user_id, response_id = ids
        db.session.execute(sa.delete(Answer).where(Answer.response_id == response_id))
        db.session.execute(sa.delete(AuditEvent).where(AuditEvent.actor_id == user_id))
        db.session.execute(sa.update(Response).where(Response.id == response_id).values(
            revision=0, status="not_started", last_activity_at=None, last_activity_by_id=None))
        db.session.execute(sa.delete(LoginSession).where(LoginSession.user_id == user_id))
        db.session.execute(sa.delete(User).where(User.id == user_id))
        db.session.commit()


def test_sigkill_during_a_burst_of_saves_loses_no_acknowledged_save(
        committed_app, server, writer_account):
    process, base_url = server
    _user_id, response_id = writer_account
    browser = Browser(base_url)
    browser.get("/login")
    assert browser.post_form("/login", {"email": "crash.test@example.org",
                                        "password": PASSWORD}) == 200
    html = browser.get(f"/responses/{response_id}/sections/I")
    tokens = dict(re.findall(r'name="base\.([^"]+)" value="([^"]*)"', html))

    acknowledged: dict[str, list[str]] = {}
    lock = threading.Lock()
    stop = threading.Event()

    def write(index: int) -> None:
        key = f"p{21 + index}.examples"
        token = tokens[key]
        n = 0
        while not stop.is_set():
            value = f"writer {index}, save {n}"
            try:
                status, body = browser.post_json(
                    f"/responses/{response_id}/autosave",
                    {"changes": [{"key": key, "value": value, "base": token}]})
            except (OSError, http.client.HTTPException, json.JSONDecodeError):
                return  # the server is gone (maybe in the middle of its answer)
            if status == 200 and key in body["saved"]:
                token = body["saved"][key]
                with lock:
                    acknowledged.setdefault(key, []).append(value)
            n += 1

    threads = [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while sum(map(len, acknowledged.values())) < 40 and time.monotonic() < deadline:
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGKILL)  # master and workers, mid-burst
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    assert sum(map(len, acknowledged.values())) >= 40

    with committed_app.app_context():
        answers = {a.question_key: a for a in db.session.scalars(
            sa.select(Answer).where(Answer.response_id == response_id))}
        events = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.object_type == "answer",
            AuditEvent.object_id.like(f"{response_id}:%")).order_by(AuditEvent.id)).all()
        for key, values in acknowledged.items():
            answer = answers[key]
            saved_values = [e.after["value"] for e in events
                            if e.object_id == f"{response_id}:{key}"]
            # Every acknowledged save is there, in order; at most one more (in flight when
            # the server died, committed but never acknowledged) may follow.
            assert saved_values[:len(values)] == values
            assert len(saved_values) - len(values) in (0, 1)
            # The answer, its revision and its history agree: nothing is half-saved.
            assert answer.revision == len(saved_values)
            assert answer.value == saved_values[-1]
        response = db.session.get(Response, response_id)
        assert response.revision == len(events)
