"""A report whose rendering fails or runs too long gives the user a clear page, and the web
server goes on serving: a real gunicorn worker, rendering in its child process."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest

from survey.core.db import db
from survey.responses.models import Response
from tests.conftest import PASSWORD
from tests.e2e.server import LiveServer
from tests.security.helpers import save

pytestmark = pytest.mark.slow


class Visitor:
    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str, timeout: float = 300) -> tuple[int, str]:
        try:
            with self.opener.open(self.server.url(path), timeout=timeout) as reply:
                body = reply.read()
                return reply.status, body.decode(errors="replace")
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.read().decode(errors="replace")

    def sign_in(self, email: str) -> None:
        _status, page = self.get("/login")
        token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"',
                          page).group(1)
        form = urllib.parse.urlencode({"email": email, "password": PASSWORD,
                                       "csrf_token": token}).encode()
        with self.opener.open(self.server.url("/login"), data=form, timeout=60) as reply:
            reply.read()


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def _serves_on(server: LiveServer, visitor: Visitor, workers: set[int],
               response_id: int) -> None:
    """The same worker process answers the next requests."""
    assert server.alive() and server.worker_pids() == workers
    assert visitor.get("/healthz")[0] == 200
    assert visitor.get(f"/responses/{response_id}")[0] == 200
    assert server.worker_pids() == workers


def test_a_render_that_runs_out_of_memory(committed_app, team_of, tmp_path):
    team = team_of("ISL")
    focal = team.user("focal_point", "Report Reader")
    response_id = team.response_id()
    server = LiveServer(committed_app, tmp_path, workers=1,
                        env={"SURVEY_REPORT_MEMORY_MB": "128"})
    try:
        workers = server.worker_pids()
        visitor = Visitor(server)
        visitor.sign_in(focal.email)
        status, page = visitor.get(f"/responses/{response_id}/report.pdf")
        assert status == 500
        text = _text(page)
        assert "The report could not be prepared" in text
        assert "Traceback" not in page and "out of memory" not in text
        assert re.search(r"[0-9a-f]{32}", text)  # the reference to give the secretariat
        _serves_on(server, visitor, workers, response_id)
    finally:
        server.stop()


def test_a_render_that_runs_too_long(committed_app, team_of, tmp_path):
    team = team_of("ISL")
    focal = team.user("focal_point", "Report Reader")
    response_id = team.response_id()
    # Enough text for hundreds of pages: far more than 5 seconds of rendering.
    long_answers = {f"p{n}.measures": ("A long account of the measures taken. " * 5000)
                    for n in range(21, 31)}
    # Printed only where asked: where the paragraph is at least partially implemented.
    long_answers.update({f"p{n}.status": "partially" for n in range(21, 31)})
    team.run(lambda: save(db.session.get(Response, response_id), db.session.merge(focal),
                          long_answers))
    server = LiveServer(committed_app, tmp_path, workers=1, env={
        "SURVEY_REPORT_TIMEOUT_SECONDS": "5", "SURVEY_REPORT_MEMORY_MB": "8192"})
    try:
        workers = server.worker_pids()
        visitor = Visitor(server)
        visitor.sign_in(focal.email)
        status, page = visitor.get(f"/responses/{response_id}/report.pdf")
        assert status == 503
        text = _text(page)
        assert "Preparing the report took too long" in text
        assert "Your answers are safe" in text
        _serves_on(server, visitor, workers, response_id)
    finally:
        server.stop()
