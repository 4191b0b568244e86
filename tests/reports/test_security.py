"""Hostile answers end up in the PDF as inert text, and nothing is fetched."""

from __future__ import annotations

import dataclasses
import re
import threading
from collections import Counter
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from survey.questionnaires.models import QuestionType
from survey.reports import pdf
from survey.reports.national import report_html
from survey.responses.services import outline_for
from tests.conftest import response_of
from tests.reports.conftest import answer, pdf_reader, pdf_text


class _Recorder(BaseHTTPRequestHandler):
    requests: list[str]

    def do_GET(self) -> None:
        self.server.requests.append(self.path)  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def http_server():
    """A real HTTP server on 127.0.0.1 that records every request it receives."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.requests = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def hostile_texts(base: str) -> list[str]:
    return [
        '<img src="file:///etc/passwd">',
        f'<link rel=attachment href="{base}/attachment.txt">',
        f"{base}/plain-url-in-text",
        f'<style>@import url("{base}/import.css"); body {{ background: url({base}/bg.png) }}'
        "</style>",
        f'</p></dd></dl><img src="{base}/img.png"><a href="file:///etc/shadow">x</a>',
        f'"><svg onload=alert(1)><image href="{base}/svg.png"/></svg>',
        '<object data="file:///etc/hosts"></object><iframe src="file:///etc/hosts">',
        "{{ 7 * 7 }} {% raw %} ${7*7} &amp; &lt;b&gt;",
        f'<a rel="attachment" href="{base}/a.pdf">attach</a> url({base}/css-in-text.png)',
    ]


def huge_text(pieces: list[str], size: int = 200_000) -> str:
    block = "\n".join(pieces) + "\n" + "Ordinary words in a very long answer. " * 40 + "\n\n"
    text = (block * (size // len(block) + 1))[:size]
    return text


class _Urls(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.tags: Counter[str] = Counter()

    def handle_starttag(self, tag, attrs):
        self.tags[tag] += 1
        self.urls += [v for k, v in attrs if k in ("src", "href", "data", "action") and v]


def test_hostile_answers_are_inert_text_and_nothing_is_fetched(
        app, client, make_user, http_server, monkeypatch):
    # This test is about safety, not speed: give a loaded machine all the time it needs.
    monkeypatch.setitem(app.config, "SURVEY", dataclasses.replace(
        app.config["SURVEY"], REPORT_TIMEOUT_SECONDS=900))
    base = f"http://127.0.0.1:{http_server.server_address[1]}"
    pieces = hostile_texts(base)
    user = make_user("focal_point", "JPN")
    response = response_of("JPN")
    outline = outline_for(response)
    values, texts = {}, 0
    for question in outline.questions():
        if question.type in (QuestionType.TEXT, QuestionType.LONG_TEXT):
            values[question.key] = pieces[texts % len(pieces)][:question.max_length or 2000]
            texts += 1
        elif question.type is QuestionType.SINGLE_CHOICE:
            values[question.key] = question.option_values[0]
        elif question.type is QuestionType.MULTIPLE_CHOICE:
            values[question.key] = list(question.option_values)
    values["p22.measures"] = huge_text(pieces)
    with app.test_request_context("/"):
        answer(response, user, values)

        # The HTML holds no element or URL from the answers: only our stylesheet,
        # our fragment links, and the draft watermark drawn by our template.
        parser = _Urls()
        parser.feed(report_html(response))
        for tag in ("img", "object", "iframe", "image", "script", "link", "style"):
            assert parser.tags[tag] == (1 if tag in ("link", "style") else 0), tag
        assert parser.tags["svg"] == 1  # our chart
        assert {u for u in parser.urls if not u.startswith("#")} == {
            pdf.BASE_URL + "static/css/report.css"}

    # The download renders in the web server's own way (child process, fetcher).
    from tests.conftest import login

    fetched: list[str] = []
    real_fetch = pdf.StaticOnlyFetcher.fetch
    monkeypatch.setattr(pdf.StaticOnlyFetcher, "fetch",
                        lambda self, url, headers=None: fetched.append(url) or real_fetch(
                            self, url, headers))
    login(client, user)
    download = client.get(f"/responses/{response.id}/report.pdf")
    assert download.status_code == 200, download.get_data(as_text=True)[:2000]
    data = download.get_data()
    assert http_server.requests == []  # nothing reached the server, ever

    reader = pdf_reader(data)
    root = reader.trailer["/Root"]
    assert "/EmbeddedFiles" not in root.get("/Names", {})  # nothing attached
    for page in reader.pages:
        for annotation in page.get("/Annots", []):
            action = annotation.get_object().get("/A", {})
            assert "/URI" not in action, action  # no external links made from answers
    text = re.sub(r"[\s\u200b]+", "", pdf_text(data))
    for piece in pieces:
        assert re.sub(r"\s+", "", piece) in text, piece  # shown as the text it is
    assert len(reader.pages) > 60  # the 200,000-character answer is all there

    # In this process, the fetcher was asked for our stylesheet and nothing else
    # (the PDF above came from a child process; render here to watch the fetcher).
    from survey.reports.national import render_report

    with app.test_request_context("/"):
        render_report(response)
    assert {u for u in fetched if not u.startswith("data:")} == {
        pdf.BASE_URL + "static/css/report.css"}
    assert http_server.requests == []
