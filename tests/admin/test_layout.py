"""The secretariat's pages on a phone: each data table scrolls sideways in a region of its own
(named for screen readers, reachable with the keyboard) instead of widening the whole page."""

from __future__ import annotations

from html.parser import HTMLParser

import sqlalchemy as sa

from survey.auth.models import Role
from survey.auth.services import invite_user
from survey.core.db import db
from survey.questionnaires import editing
from survey.questionnaires.models import Paragraph
from survey.questionnaires.services import published_version
from tests.admin.test_access import admin_urls
from tests.conftest import state_by_code

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class TableHolders(HTMLParser):
    """The element directly holding each table of a page: (tag, attributes)."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[tuple[str, dict[str, str | None]]] = []
        self.holders: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.holders.append(self.open[-1])
        if tag not in VOID:
            self.open.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        while self.open and self.open.pop()[0] != tag:
            pass


def a_draft_with_every_kind_of_change(admin) -> int:
    """A draft whose comparison with the published version fills every table of changes."""
    draft = editing.new_draft_from(published_version("kyoto-2021"), actor=admin)
    editing.delete_question(editing.question_by_key(draft, "p22.examples"), actor=admin)
    editing.update_question(editing.question_by_key(draft, "p22.measures"),
                            {"label": "Which measures, and since when?"}, actor=admin)
    paragraph = db.session.scalar(sa.select(Paragraph).where(
        Paragraph.version_id == draft.id, Paragraph.number == 22))
    editing.add_question(paragraph, {
        "key": "p22.budget", "type": "text", "label": "Budget", "help": "", "required": False,
        "options": [], "condition": None, "max_length": None}, actor=admin)
    editing.set_paragraph_actionable(paragraph, True, "A reason written again.", actor=admin)
    db.session.commit()
    return draft.id


def test_every_table_of_the_secretariat_scrolls_in_a_named_region(app, client, admin,
                                                                   make_user):
    invite_user("nominee@example.org", "A Nominee", Role.OBSERVER, state_by_code("KEN"),
                actor=make_user("focal_point", "KEN"))  # fills the table of nominations
    draft_id = a_draft_with_every_kind_of_change(admin)
    urls = [url for method, url in admin_urls(app) if method == "GET"]
    urls += [f"/admin/versions/{draft_id}/publish", f"/admin/versions/{draft_id}/changes"]
    tables = 0
    for url in urls:
        page = client.get(url)
        if page.status_code != 200 or page.mimetype != "text/html":
            continue
        parser = TableHolders()
        parser.feed(page.get_data(as_text=True))
        for tag, attrs in parser.holders:
            tables += 1
            assert tag == "div" and "table-scroll" in (attrs.get("class") or "").split(), url
            assert attrs.get("role") == "region" and attrs.get("tabindex") == "0", url
            assert (attrs.get("aria-label") or "").strip(), url
    # The overview's two, States, accounts and nominations, cycles, versions, sections, the
    # audit trail, a review's progress, and the four tables of changes (on two pages).
    assert tables >= 18
