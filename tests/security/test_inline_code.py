"""No page relies on what the Content-Security-Policy blocks: inline <script> bodies, event
handler attributes (onclick=…), style="" attributes, <style> elements or javascript: URLs.

Every GET page of the access matrix is rendered (as an actor who may see it) and parsed;
so are the pages a state-changing request answers with (a form with its errors), the error
pages, and the templates' source.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from survey import PROJECT_ROOT
from survey.core.security import CONTENT_SECURITY_POLICY
from tests.security.matrix import (
    ACTORS,
    MATRIX,
    Actors,
    World,
    rule_for,
    send,
    url_for_rule,
)

# Templates WeasyPrint renders into a PDF: never served to a browser, so no CSP applies.
PDF_ONLY_TEMPLATES = {"reports/document.html", "admin/synthesis_document.html"}

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href"}


class InlineCode(HTMLParser):
    """Collects what the CSP (default-src 'self', no 'unsafe-inline') would block."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>: an inline event handler")
            elif name == "style":
                self.problems.append(f"<{tag} style=…>: an inline style")
            elif name in URL_ATTRIBUTES and (value or "").strip().lower().startswith(
                    "javascript:"):
                self.problems.append(f"<{tag} {name}={value!r}>: a javascript: URL")
        if tag == "script":
            self._in_script = True
            if not dict(attrs).get("src"):
                self.problems.append("<script> without src: an inline script")
        elif tag == "style":
            self.problems.append("<style>: an inline stylesheet")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append(f"<script> with a body: {data.strip()[:60]!r}")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    parser.close()
    return parser.problems


def test_the_parser_finds_what_the_policy_blocks():
    html = ('<p onclick="x()">a</p><div style="color:red"></div><script>alert(1)</script>'
            '<a href=" JavaScript:alert(1)">b</a><style>p{}</style><script src="/s.js"></script>')
    assert len(inline_code(html)) == 6
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert "default-src 'self'" in CONTENT_SECURITY_POLICY


GET_PAGES = sorted(key for key, row in MATRIX.items() if "GET" in row.expected and row.html)


@pytest.mark.parametrize("key", GET_PAGES)
def test_rendered_pages_have_no_inline_code(app, key):
    world, actors = World(), Actors(app)
    row = MATRIX[key]
    url = url_for_rule(app, rule_for(app, key), row.args(world))
    scanned = 0
    for method in sorted(row.expected, key=lambda m: m != "GET"):
        # The page itself (GET), and what a state-changing request answers with when it
        # renders a page (a form with its errors), for the first actor who may see it.
        seen = {actor: row.expected[method][actor] for actor in ACTORS}
        actor = next((a for a, status in seen.items() if status in (200, 422)), None)
        if actor is None:
            continue
        reply = send(actors.client(actor), method, url, row, world)
        assert reply.status_code == seen[actor], (key, method, actor)
        if reply.mimetype != "text/html":
            continue
        assert inline_code(reply.get_data(as_text=True)) == [], (key, method, url)
        scanned += 1
    if 200 in row.expected["GET"].values():
        assert scanned, key


def test_error_pages_have_no_inline_code(app):
    world, actors = World(), Actors(app)
    response = world.response
    pages = {
        404: actors.client("other_state").get(f"/responses/{response.id}"),
        403: actors.client("observer").get(f"/responses/{response.id}/submit"),
        400: actors.client("focal_point").post(f"/responses/{response.id}/sections/I",
                                                data={}, csrf=False),
        405: actors.client("focal_point").get("/logout"),
    }
    for status, reply in pages.items():
        assert reply.status_code == status
        assert inline_code(reply.get_data(as_text=True)) == [], status


def test_no_template_source_has_inline_code():
    """The same rules on the templates' source, which also covers pages the matrix does
    not reach (the report's progress page needs Redis)."""
    root = PROJECT_ROOT / "templates"
    problems = {}
    for path in sorted(root.rglob("*.html")):
        name = path.relative_to(root).as_posix()
        if name in PDF_ONLY_TEMPLATES:
            continue
        found = inline_code(Path(path).read_text(encoding="utf-8"))
        if found:
            problems[name] = found
    assert problems == {}
