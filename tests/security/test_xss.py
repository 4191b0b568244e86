"""Hostile text in every kind of field is shown as text wherever it appears, and in the PDF:
never executed, never evaluated as a template.

The text goes in through the real pages and endpoints: a participant's name (admin),
section titles, a question's label, help and options, and new questions of every other
type (admin, in a draft, then published with the cycle moved to it), names of people
invited by the secretariat and by the focal point, answers of every type (the section
form and the autosave endpoint), a conflict, and the secretariat's review comment. Then
every page that shows it is read: the State's section pages, overview, history, team,
submit page and report preview; the secretariat's overview, review, users, user, audit,
States and questionnaire pages; and the PDF.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from markupsafe import escape

from survey.admin.services import candidate_countries
from survey.auth.models import User
from survey.auth.services import user_by_email
from survey.core.db import db
from survey.cycles.services import current_cycle
from survey.questionnaires import editing
from survey.questionnaires.models import QuestionnaireVersion
from survey.questionnaires.services import published_version
from survey.reports.national import render_report
from survey.responses.models import Response
from survey.responses.services import answer_values, outline_for
from survey.states.models import State
from tests.conftest import PASSWORD, login, page_text
from tests.reports.conftest import pdf_text
from tests.security.helpers import answer_required
from tests.security.test_inline_code import inline_code

# Each payload starts with a marker, so that an evaluated one can be recognised.
PAYLOADS = [
    "[x1] <script>window.__xss=1</script>",
    '[x2] <img src=x onerror="window.__xss=2">',
    '[x3] <a href="javascript:window.__xss=3">link</a>',
    "[x4] <svg onload=window.__xss=4>",
    "[x5] <svg><script>window.__xss=5</script></svg>",
    "[x6] {{7*7}}",
    "[x7] {% for i in range(3) %}loop{% endfor %}",
    "[x8] ${7*7} #{7*7}",
    "[x9] &lt;script&gt;window.__xss=9&lt;/script&gt; &#60;b&#62;",
    "[x10] </textarea><script>window.__xss=10</script>",
    '[x11] "><script>window.__xss=11</script>',
    "[x12] '><svg onload=window.__xss=12>",
    "[x13] \u202egnp.exe\u202c safe",
    '[x14] <iframe src="javascript:window.__xss=14"></iframe>',
    "[x15] <style>body{display:none}</style>",
    "[x16] <!-- comment --> <![CDATA[ x ]]> </title></head>",
]
# What an evaluated payload would have become.
EVALUATED = ["[x6] 49", "[x7] looploop", "[x8] 49"]
# Short enough for a State's name (200 characters) and a person's name.
COMPACT = "[x0] <script>window.__xss=0</script><svg onload=alert(0)>{{7*7}}\u202e"
ALL_TEXT = "\n".join(PAYLOADS)
ONE_LINE = " ".join(PAYLOADS)


def escaped(text: str) -> str:
    return str(escape(text))


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)


def without_bidi_controls(text: str) -> str:
    # Names lose their directional controls when stored (survey.core.text); answers keep them.
    return re.sub("[\u202a-\u202e\u2066-\u2069]", "", text)


def assert_shown_as_text(page: str, shown: list[str], where: str) -> None:
    """The page shows these payloads, escaped, and no payload anywhere as markup."""
    plain_page = without_bidi_controls(page)
    for payload in shown:
        assert without_bidi_controls(escaped(payload)) in plain_page, \
            f"{where}: {payload!r} is not shown as text"
    for payload in [*PAYLOADS, COMPACT]:
        for raw in re.findall(r"<[a-z][^>]*>", payload):  # opening tags: they would act
            assert raw not in page, f"{where}: raw {raw!r} in the page"
    for evaluated in EVALUATED:
        assert evaluated not in page_text_of(page), f"{where}: a template was evaluated"
    assert inline_code(page) == [], where
    parser = Elements()
    parser.feed(page)
    for tag in ("iframe", "object", "embed", "img"):  # (our charts are <svg>: checked above)
        assert tag not in parser.tags, f"{where}: a <{tag}> element"


def page_text_of(page: str) -> str:
    text = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text)))


@dataclass
class Hostile:
    """What the scenario made: clients signed in, the objects, and which payloads each
    place should show."""

    admin: object
    focal: object
    contributor: object
    response: Response
    state: State
    version_id: int
    other_states: list[State]
    names: list[str]
    conflict_page: str
    draft_pages: dict[str, tuple[str, list[str]]]
    refused: dict[str, dict] = field(default_factory=dict)


def _link(page: str) -> str:
    found = re.search(r'value="(https?://[^"]+/set-password/[^"]+)"', page)
    assert found, "no invitation link on the page"
    return "/" + found.group(1).split("/", 3)[3]


def _signed_in_through(client, link: str) -> None:
    assert client.get(link).status_code == 200
    chosen = client.post(link, data={"password": PASSWORD, "confirm": PASSWORD})
    assert chosen.status_code == 302, page_text(chosen)[:500]


def _question_form(version_id: int, key: str, **changes) -> dict:
    question = editing.question_by_key(db.session.get_one(QuestionnaireVersion, version_id), key)
    condition = question.condition or {}
    data = {"type": question.type.value, "label": question.label, "help": question.help,
            "options": "\n".join(f"{o['value']} | {o['label']}" for o in question.options),
            "condition": [f"{condition['question']}={v}" for v in condition.get("in", [])],
            "max_length": question.max_length or ""}
    if question.required:
        data["required"] = "y"
    data.update(changes)
    return data


def build(app, make_user) -> Hostile:
    admin_client = app.test_client()
    login(admin_client, make_user("admin", None))

    # Participants with hostile names: the one answering gets the compact payload.
    codes = [code for code, _name in candidate_countries()[:len(PAYLOADS) + 1]]
    for code, name in zip(codes, [COMPACT, *PAYLOADS], strict=True):
        added = admin_client.post("/admin/states/new", data={
            "code": code, "kind": "observer_state", "regional_group": "none", "name": name})
        assert added.status_code == 302, page_text(added)[:800]
    states = {s.code: s for s in db.session.scalars(sa.select(State).where(
        State.code.in_(codes)))}
    state = states[codes[0]]

    # A draft with hostile section titles, labels, help, options and new questions.
    published = published_version("kyoto-2021")
    assert admin_client.post(f"/admin/versions/{published.id}/draft").status_code == 302
    draft = editing.draft_of(published.questionnaire_id)
    base = f"/admin/versions/{draft.id}"
    section_keys = ["general", "I", "I.1", "II", "III", "IV", "follow-up"]
    for key, title in zip(section_keys, PAYLOADS, strict=False):
        edited = admin_client.post(f"{base}/sections/{key}/edit", data={"title": title})
        assert edited.status_code == 302, page_text(edited)[:800]
    edits = {
        "p22.measures": {"label": ALL_TEXT, "help": ALL_TEXT},
        "p22.actions": {"options": "\n".join(f"h{i} | {p}" for i, p in enumerate(PAYLOADS[:9]))},
        "p22.assistance": {"options": "\n".join(f"h{i} | {p}"
                                                 for i, p in enumerate(PAYLOADS[9:]))},
        "general.coordinating_institution": {"label": ONE_LINE},
    }
    for key, changes in edits.items():
        edited = admin_client.post(f"{base}/questions/{key}/edit",
                                   data=_question_form(draft.id, key, **changes))
        assert edited.status_code == 302, page_text(edited)[:1500]
    for kind in ("number", "date", "email"):
        added = admin_client.post(f"{base}/paragraphs/22/questions/new", data={
            "key": f"p22.hostile_{kind}", "type": kind, "label": f"{PAYLOADS[0]} ({kind})",
            "help": PAYLOADS[3]})
        assert added.status_code == 302, page_text(added)[:1500]
    # The draft's own pages, read before it is published (then they only redirect).
    draft_pages = {where: (_get(admin_client, f"{base}/{path}"), shown)
                   for where, path, shown in [
                       ("publish", "publish", [PAYLOADS[0], PAYLOADS[1]]),
                       ("edit question", "questions/p22.measures/edit", [ALL_TEXT]),
                       ("edit options", "questions/p22.actions/edit", PAYLOADS[:9]),
                       ("edit section", "sections/I/edit", [PAYLOADS[1]])]}
    published_now = admin_client.post(f"{base}/publish", data={
        "change_note": ALL_TEXT, "confirm": "y", "cycles": [str(current_cycle().id)]})
    assert published_now.status_code == 302, page_text(published_now)[:1500]

    # People: a focal point invited by the secretariat, contributors named after each
    # payload nominated by the focal point, listed for the secretariat's check, approved.
    invited = admin_client.post("/admin/users/invite", data={
        "display_name": COMPACT, "email": "hostile.focal@example.org", "role": "focal_point",
        "state": state.code})
    assert invited.status_code == 200, page_text(invited)[:800]
    focal_client = app.test_client()
    _signed_in_through(focal_client, _link(invited.get_data(as_text=True)))
    response = db.session.scalars(sa.select(Response).where(
        Response.state_id == state.id, Response.cycle_id == current_cycle().id)).one()
    team = f"/responses/{response.id}/team"
    names = ["[x0c] <b onmouseover=alert(1)>Contributor</b> {{7*7}}", *PAYLOADS]
    links = []
    for n, name in enumerate(names):
        made = focal_client.post(team, data={"action": "invite", "role": "contributor",
                                             "email": f"hostile{n}@example.org",
                                             "display_name": name})
        assert made.status_code == 302, page_text(made)[:800]
    nominations = admin_client.get("/admin/users")
    assert_shown_as_text(nominations.get_data(as_text=True), [COMPACT, *names],
                         "nominations awaiting the check")
    for n, name in enumerate(names):
        nominee = user_by_email(f"hostile{n}@example.org")
        approved = admin_client.post(f"/admin/users/{nominee.id}/nomination",
                                     data={"decision": "approve"})
        assert approved.status_code == 200, page_text(approved)[:800]
        assert_shown_as_text(approved.get_data(as_text=True), [name, COMPACT],
                             f"nomination {n} approved")
        links.append(_link(approved.get_data(as_text=True)))
    contributor_client = app.test_client()
    _signed_in_through(contributor_client, links[0])

    # Answers of every type, through the section form and the autosave endpoint.
    section_general = f"/responses/{response.id}/sections/general"
    saved = focal_client.post(section_general, data={
        "general.coordinating_institution": ONE_LINE,
        "base.general.coordinating_institution": "",
        "general.executive_summary": ALL_TEXT[:3500], "base.general.executive_summary": "",
        "general.focal_point_contact": COMPACT, "base.general.focal_point_contact": ""})
    assert saved.status_code == 302, page_text(saved)[:1500]
    autosave = f"/responses/{response.id}/autosave"
    reply = focal_client.post(autosave, json={"changes": [
        {"key": "p22.status", "value": "fully", "base": ""},
        {"key": "p22.measures", "value": ALL_TEXT, "base": ""},
        {"key": "p22.actions", "value": ["h1", "h4"], "base": ""},
        {"key": "p22.assistance", "value": ["h0", "h3"], "base": ""},
        {"key": "p22.authorities", "value": ONE_LINE[:2000], "base": ""}]})
    assert reply.status_code == 200 and not reply.get_json()["errors"], reply.get_json()
    refused = {}
    for key, value in [("p21.status", PAYLOADS[0]), ("p21.actions", [PAYLOADS[3]]),
                       ("p22.hostile_number", PAYLOADS[5]), ("p22.hostile_date", PAYLOADS[1]),
                       ("p22.hostile_email", PAYLOADS[10])]:
        reply = focal_client.post(autosave, json={"changes": [
            {"key": key, "value": value, "base": ""}]})
        refused[key] = reply.get_json()
    # The contributor changes an answer the focal point is editing: a conflict.
    tokens = dict(re.findall(r'name="base\.([^"]+)" value="([^"]*)"',
                             focal_client.get(f"/responses/{response.id}/sections/I")
                             .get_data(as_text=True)))
    reply = contributor_client.post(autosave, json={"changes": [
        {"key": "p22.examples", "value": ALL_TEXT, "base": tokens["p22.examples"]}]})
    assert reply.get_json()["saved"], reply.get_json()
    conflict = focal_client.post(f"/responses/{response.id}/sections/I", data={
        "p22.examples": "Mine", "base.p22.examples": tokens["p22.examples"]})
    assert conflict.status_code == 200

    # Sign-off, then the secretariat returns it with a hostile comment.
    focal_user = db.session.scalars(sa.select(User).where(
        User.email == "hostile.focal@example.org")).one()
    answer_required(response, focal_user)
    db.session.commit()
    submitted = focal_client.post(f"/responses/{response.id}/submit", data={
        "confirm": "yes", "authorised_by_name": PAYLOADS[9], "authorised_by_title": PAYLOADS[10]})
    assert submitted.status_code == 302, page_text(submitted)[:1500]
    returned = admin_client.post(f"/admin/responses/{response.id}/return",
                                 data={"comment": ALL_TEXT})
    assert returned.status_code == 302, page_text(returned)[:1500]
    db.session.expire_all()
    return Hostile(admin=admin_client, focal=focal_client, contributor=contributor_client,
                   response=db.session.get(Response, response.id), state=state,
                   version_id=draft.id, other_states=[states[c] for c in codes[1:]],
                   names=names, conflict_page=conflict.get_data(as_text=True),
                   draft_pages=draft_pages, refused=refused)


@pytest.fixture
def hostile(app, make_user) -> Hostile:
    return build(app, make_user)


def _get(client, url: str) -> str:
    reply = client.get(url)
    assert reply.status_code == 200, (url, reply.status_code)
    return reply.get_data(as_text=True)


def test_answers_that_cannot_hold_text_refuse_it_and_store_nothing(hostile):
    assert hostile.refused == {
        "p21.status": {"saved": {}, "conflicts": [],
                       "errors": {"p21.status": "Choose one of the options given."}},
        "p21.actions": {"saved": {}, "conflicts": [],
                        "errors": {"p21.actions": "Choose among the options given."}},
        "p22.hostile_number": {"saved": {}, "conflicts": [], "errors": {
            "p22.hostile_number": "Enter a number, for example 1250 or 12.5."}},
        "p22.hostile_date": {"saved": {}, "conflicts": [], "errors": {
            "p22.hostile_date": "Enter a date as year-month-day, e.g. 2026-03-31."}},
        "p22.hostile_email": {"saved": {}, "conflicts": [], "errors": {
            "p22.hostile_email": "Enter an e-mail address, e.g. name@example.org."}},
    }
    stored = answer_values(hostile.response)
    assert not {k for k in hostile.refused if k in stored and k != "p21.status"}
    assert stored.get("p21.status") in (None, "fully")  # answered plainly at sign-off


def test_the_states_pages_show_hostile_text_as_text(hostile):
    rid = hostile.response.id
    focal = hostile.focal
    pages = {
        "overview": (f"/responses/{rid}", [COMPACT, *PAYLOADS]),  # State, review comment
        "section general": (f"/responses/{rid}/sections/general",
                            [COMPACT, PAYLOADS[0], ONE_LINE, ALL_TEXT[:3500]]),
        "section I": (f"/responses/{rid}/sections/I",
                      [COMPACT, *PAYLOADS[1:3], ALL_TEXT, ONE_LINE[:2000],
                       *PAYLOADS, hostile.names[0]]),
        "history (text)": (f"/responses/{rid}/answers/general.coordinating_institution/history",
                           [ONE_LINE, COMPACT]),
        "history (long text)": (f"/responses/{rid}/answers/p22.examples/history",
                                [ALL_TEXT, hostile.names[0]]),
        "history (choices)": (f"/responses/{rid}/answers/p22.actions/history",
                              [PAYLOADS[1], PAYLOADS[4]]),
        "team": (f"/responses/{rid}/team", [COMPACT, *hostile.names]),
        "submit": (f"/responses/{rid}/submit", [COMPACT, PAYLOADS[9], PAYLOADS[10]]),
        "report preview": (f"/responses/{rid}/report",
                           [COMPACT, ALL_TEXT.split("\n")[0], ONE_LINE, PAYLOADS[1]]),
    }
    for where, (url, shown) in pages.items():
        assert_shown_as_text(_get(focal, url), shown, where)
    # The contributor's view of the same section, and the page with the conflict.
    assert_shown_as_text(_get(hostile.contributor, f"/responses/{rid}/sections/I"),
                         [ALL_TEXT], "section I (contributor)")
    assert_shown_as_text(hostile.conflict_page, [hostile.names[0], ALL_TEXT.split("\n")[0]],
                         "section I with a conflict")


def test_the_secretariats_pages_show_hostile_text_as_text(hostile):
    rid, vid = hostile.response.id, hostile.version_id
    users = db.session.scalars(sa.select(User).where(User.state_id == hostile.state.id)).all()
    contributor = next(u for u in users if u.display_name == hostile.names[1])
    pages = {
        "overview": ("/admin/", [COMPACT, *PAYLOADS]),
        "review": (f"/admin/responses/{rid}", [COMPACT, ALL_TEXT, PAYLOADS[9], PAYLOADS[10]]),
        "users": (f"/admin/users?state={hostile.state.code}", [COMPACT, *hostile.names]),
        "user": (f"/admin/users/{contributor.id}", [hostile.names[1], COMPACT]),
        "audit": (f"/admin/audit?state={hostile.state.code}", [COMPACT, *PAYLOADS]),
        "states": ("/admin/states", [COMPACT, *PAYLOADS]),
        "questionnaires": ("/admin/questionnaires", []),
        "version": (f"/admin/versions/{vid}", PAYLOADS[:7]),
        "version section": (f"/admin/versions/{vid}/sections/I",
                            [PAYLOADS[1], PAYLOADS[2], ALL_TEXT, *PAYLOADS]),
        "version general": (f"/admin/versions/{vid}/sections/general", [PAYLOADS[0], ONE_LINE]),
        "preview": (f"/admin/versions/{vid}/preview/I", [ALL_TEXT, *PAYLOADS[:9]]),
        "changes": (f"/admin/versions/{vid}/changes", [PAYLOADS[0], PAYLOADS[1]]),
        "cycle": (f"/admin/cycles/{hostile.response.cycle_id}", []),
    }
    for where, (url, shown) in pages.items():
        assert_shown_as_text(_get(hostile.admin, url), shown, where)
    for where, (page, shown) in hostile.draft_pages.items():
        assert_shown_as_text(page, shown, f"{where} (draft)")


def visual_order(text: str) -> str:
    """The text as displayed: an RTL override (U+202E … U+202C) shows its run reversed,
    which is what the PDF's text then holds."""
    return re.sub("\u202e([^\u202c]*)\u202c", lambda m: m.group(1)[::-1], text)


def _flat(text: str) -> str:
    return re.sub(r"[\s\u200b\u202e\u202c]+", "", text)


def test_the_pdf_shows_hostile_text_as_text(app, hostile):
    with app.test_request_context("/"):
        text = pdf_text(render_report(hostile.response))
    flat = _flat(text)
    for payload in [COMPACT, *PAYLOADS, ONE_LINE]:
        assert _flat(visual_order(payload)) in flat, f"{payload!r} is not in the PDF"
    for evaluated in EVALUATED:
        assert _flat(evaluated) not in flat
    assert hostile.state.name == without_bidi_controls(COMPACT)
    assert outline_for(hostile.response).sections_by_key["I"].title == PAYLOADS[1]
