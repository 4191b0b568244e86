"""Hostile text in answers and names, opened in a real browser: nothing runs, nothing is
added to the page, the text is there to read (tests/security/test_xss.py checks every
page's HTML; this checks what Chromium does with it)."""

from __future__ import annotations

import pytest

from survey.core.db import db
from survey.responses.models import Response
from tests.e2e.conftest import sign_in
from tests.security.helpers import save
from tests.security.test_xss import ALL_TEXT, COMPACT, ONE_LINE, PAYLOADS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

INJECTED = ("script:not([src]), img, iframe, object, embed, [onerror], [onload], "
            "[onmouseover], a[href^='javascript']")


def test_hostile_text_never_runs_in_the_browser(browser, live_server, audit, team_of):
    team = team_of("JAM")
    focal = team.user("focal_point", COMPACT)
    contributor = team.user("contributor", PAYLOADS[1])
    response_id = team.response_id()
    team.run(lambda: save(db.session.get(Response, response_id), db.session.merge(focal), {
        "general.coordinating_institution": ONE_LINE, "general.executive_summary": COMPACT,
        # The measures are asked (and printed) once the paragraph is implemented at all.
        "p21.status": "fully", "p21.measures": ALL_TEXT, "p21.authorities": ONE_LINE[:2000]}))
    team.run(lambda: save(db.session.get(Response, response_id), db.session.merge(contributor),
                          {"p21.examples": ALL_TEXT}))

    context = browser.new_context()
    page = audit.watch(context.new_page())
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, live_server.base_url, focal.email)
    r = f"/responses/{response_id}"
    for path, expected in [
        (r, PAYLOADS[1]),  # recent changes name the contributor
        (f"{r}/sections/general", COMPACT),
        (f"{r}/sections/I", PAYLOADS[1]),
        (f"{r}/answers/p21.examples/history", PAYLOADS[10]),
        # The team page shows people's names, which lose directional controls when stored.
        (f"{r}/team", COMPACT.replace("\u202e", "")),
        (f"{r}/report", PAYLOADS[14]),
    ]:
        page.goto(live_server.url(path))
        page.wait_for_load_state("load")
        assert page.evaluate("() => window.__xss") is None, path
        assert page.locator(INJECTED).count() == 0, path
        shown = page.evaluate("() => document.body.innerText + ' ' + Array.from("
                              "document.querySelectorAll('input, textarea'))"
                              ".map(e => e.value).join(' ')")
        assert expected in shown, (path, expected)
        assert "[x6] 49" not in shown and "[x7] loop" not in shown, path
    context.close()
    assert dialogs == []
    audit.assert_clean()
