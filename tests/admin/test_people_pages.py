"""States, users and the audit trail, through the pages."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from markupsafe import escape

from survey.admin.services import AuditFilter, search_audit
from survey.auth.models import Role, User
from survey.auth.services import change_role
from survey.core.audit import AuditEvent, record_event
from survey.core.db import db
from survey.core.errors import DomainError
from survey.cycles.services import current_cycle
from survey.responses.models import Response
from survey.states.models import ParticipantKind, RegionalGroup, State
from tests.admin.conftest import save
from tests.conftest import PASSWORD, login, page_text, response_of, state_by_code


def test_the_193_member_states_with_their_groups(client, admin):
    page = page_text(client.get("/admin/states"))
    assert "193 participants" in page
    assert "Japan JPN Asia-Pacific States Member State" in page
    african = page_text(client.get("/admin/states?group=african"))
    assert "Kenya" in african and "Japan" not in african
    assert "1 participant" in page_text(client.get("/admin/states?q=jpn"))


def test_a_state_is_found_by_its_name_in_any_language_case_and_accents_aside(client, admin):
    def found(text: str) -> str:
        return page_text(client.get("/admin/states", query_string={"q": text}))

    assert "Côte d'Ivoire CIV" in found("cote d'ivoire")
    assert "1 participant" in found("cote d'ivoire")
    for text in ("Japon", "Япония", "اليابان", "日本", "JAPAN"):
        page = found(text)
        assert "1 participant" in page and "Japan JPN" in page, text
    page = found("etats-unis")  # French, without its accent
    assert "United States of America USA" in page
    assert "Kenya" not in found("japon")
    admin.locale = "fr"
    db.session.commit()
    page = found("japan")  # the stored English name, on a French page
    assert "1 participant" in page and "Japon JPN" in page


def test_in_arabic_the_participants_and_the_state_choices_are_named_in_arabic(client, admin):
    admin.locale = "ar"
    db.session.commit()
    assert "اليابان JPN" in page_text(client.get("/admin/states"))
    for url in ("/admin/users", "/admin/users/invite"):
        html = client.get(url).get_data(as_text=True)
        assert '<option value="JPN">اليابان</option>' in html and "Japan" not in html, url
    new = client.get("/admin/states/new").get_data(as_text=True)
    assert '<option value="PSE">دولة فلسطين (PSE)</option>' in new


def test_adding_an_observer_state_gives_it_a_response_in_the_open_cycle(client, admin):
    form = client.get("/admin/states/new").get_data(as_text=True)
    assert '<option value="PSE">State of Palestine (PSE)</option>' in form
    assert '<option value="JPN">' not in form  # already taking part
    added = client.post("/admin/states/new", data={
        "code": "VAT", "kind": "observer_state", "regional_group": "none", "name": ""})
    assert added.status_code == 302
    holy_see = state_by_code("VAT")
    assert holy_see.kind is ParticipantKind.OBSERVER_STATE
    assert holy_see.regional_group is RegionalGroup.NONE
    assert "Holy See" in holy_see.name
    assert db.session.scalar(sa.select(Response).where(
        Response.state_id == holy_see.id, Response.cycle_id == current_cycle().id))
    again = client.post("/admin/states/new", data={
        "code": "VAT", "kind": "observer_state", "regional_group": "none"})
    assert again.status_code == 422
    assert db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "state.added")).object_id == "VAT"


def test_list_and_filter_users(client, admin, make_user):
    make_user("focal_point", "JPN", name="Aiko Tanaka")
    make_user("observer", "JPN", name="Ken Sato")
    make_user("focal_point", "FRA", name="Marie Curie")
    page = page_text(client.get("/admin/users?state=JPN"))
    assert "Aiko Tanaka" in page and "Ken Sato" in page and "Marie Curie" not in page
    page = page_text(client.get("/admin/users?role=focal_point"))
    assert "Aiko Tanaka" in page and "Marie Curie" in page and "Ken Sato" not in page
    assert "Marie Curie" in page_text(client.get("/admin/users?q=curie"))
    # Any script, in any case, on SQLite as on PostgreSQL.
    make_user("observer", "RUS", name="Ирина Ёлкина", email="irina@example.org")
    make_user("observer", "FRA", name="Élise Côté", email="ecote@example.org")
    assert "Ирина Ёлкина" in page_text(client.get("/admin/users?q=ЁЛКИНА"))
    assert "Élise Côté" in page_text(client.get("/admin/users?q=éLISE CÔ"))


def test_users_are_paginated(client, admin, make_user):
    from survey.auth.services import create_user

    for n in range(55):
        create_user(f"person{n}@example.org", f"Person {n:02d}", Role.OBSERVER,
                    state_by_code("KEN"), actor=None)
    db.session.commit()
    first = page_text(client.get("/admin/users?state=KEN"))
    assert "55 accounts — page 1 of 2" in first and "Next page" in first
    second = page_text(client.get("/admin/users?state=KEN&page=2"))
    assert "page 2 of 2" in second and "Previous page" in second
    assert second.count("person") == 5


def test_invite_shows_the_link_when_no_mail_server(client, admin):
    page = client.post("/admin/users/invite", data={
        "display_name": "Amina Diallo", "email": "Amina@Example.org", "role": "focal_point",
        "state": "SEN"})
    assert page.status_code == 200
    text = page_text(page)
    assert "Invitation created for amina@example.org" in text
    assert re.search(r'id="invitation-link" readonly value="http://localhost/set-password/[^"]+"',
                     page.get_data(as_text=True))
    user = db.session.scalar(sa.select(User).where(User.email == "amina@example.org"))
    assert user.role is Role.FOCAL_POINT and user.state.code == "SEN"
    # "Invite someone else" starts blank, not with the person just invited.
    html = page.get_data(as_text=True)
    for name in ("display_name", "email"):
        field = re.search(rf'<input [^>]*name="{name}"[^>]*>', html).group(0)
        assert 'value=""' in field, field
    assert "Amina Diallo" not in html

    wrong = client.post("/admin/users/invite", data={
        "display_name": "X", "email": "x@example.org", "role": "focal_point", "state": ""})
    assert wrong.status_code == 422
    assert "State: Choose the State this user answers for." in page_text(wrong)
    assert "E-mail address: Choose the State" not in page_text(wrong)
    assert _error_of(wrong, "state") == "Choose the State this user answers for."
    assert _error_of(wrong, "email") is None
    taken = client.post("/admin/users/invite", data={
        "display_name": "Again", "email": "amina@example.org", "role": "observer",
        "state": "SEN"})
    assert taken.status_code == 422 and "already exists" in page_text(taken)


def _error_of(page, field_id: str) -> str | None:
    """The error shown next to a field (and read with it, through aria-describedby)."""
    html = page.get_data(as_text=True)
    control = re.search(rf'<(?:input|select|textarea)\b[^>]*\bid="{field_id}"[^>]*>', html)
    assert control, field_id
    error = re.search(rf'<p class="error-message" id="{field_id}-error">(.*?)</p>', html,
                      flags=re.S)
    if error is None:
        return None
    assert f"{field_id}-error" in control.group(0), control.group(0)
    return re.sub(r"<[^>]+>", "", error.group(1)).strip()


def test_the_invitation_asks_for_a_role_and_offers_the_widest_last(client, admin):
    html = client.get("/admin/users/invite").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="role".*?</select>', html, flags=re.S).group(0)
    assert re.findall(r'<option[^>]*value="([^"]*)"', select) == [
        "", "focal_point", "contributor", "observer", "admin"]
    assert '<option value="">Choose a role</option>' in select
    assert "selected" not in select  # nothing chosen: the prompt shows
    # Sent as it came, the form grants nothing: it asks for the role, next to the field.
    sent = client.post("/admin/users/invite", data={
        "display_name": "Forgot The Role", "email": "forgot@example.org", "state": ""})
    assert sent.status_code == 422
    assert _error_of(sent, "role") == "Choose the role this person will have."
    assert _error_of(sent, "state") is None  # one thing at a time
    assert not db.session.scalar(sa.select(User).where(User.email == "forgot@example.org"))
    # The State's roles need a State; the secretariat's has none.
    admin_of_japan = client.post("/admin/users/invite", data={
        "display_name": "X", "email": "x@example.org", "role": "admin", "state": "JPN"})
    assert admin_of_japan.status_code == 422
    assert _error_of(admin_of_japan, "state") == ("Administrators belong to the secretariat, "
                                                  "not to a State.")


def test_changing_a_role_puts_each_problem_next_to_its_field(client, admin, make_user):
    user = make_user("contributor", "JPN")
    html = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="role".*?</select>', html, flags=re.S).group(0)
    assert '<option selected value="contributor">' in select and 'value=""' not in select
    no_state = client.post(f"/admin/users/{user.id}/role",
                           data={"role": "focal_point", "state": "", "confirm": "y"})
    assert no_state.status_code == 422
    assert _error_of(no_state, "state") == "Choose the State this user answers for."
    assert _error_of(no_state, "role") is None
    db.session.refresh(user)
    assert user.role is Role.CONTRIBUTOR


def test_change_role_and_deactivate(client, admin, make_user):
    user = make_user("contributor", "JPN")
    client.post(f"/admin/users/{user.id}/role",
                data={"role": "focal_point", "state": "JPN", "confirm": "y"})
    db.session.refresh(user)
    assert user.role is Role.FOCAL_POINT

    save(response_of("JPN"), user, {"p22.status": "largely"})
    client.post(f"/admin/users/{user.id}/active", data={"active": "no", "confirm": "y"})
    db.session.refresh(user)
    assert not user.is_active
    # Their answers and their trail stay; they can no longer sign in.
    assert db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.actor_id == user.id, AuditEvent.action == "answer.saved"))
    client.post("/logout")
    refused = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert refused.status_code != 302

    login(client, admin)
    myself = client.post(f"/admin/users/{admin.id}/active", data={"active": "no"},
                         follow_redirects=True)
    assert "You cannot deactivate your own account." in page_text(myself)
    client.post(f"/admin/users/{user.id}/active", data={"active": "yes"})
    db.session.refresh(user)
    assert user.is_active


def test_the_audit_trail_is_searchable_and_paginated(client, admin, make_user):
    japan, france = make_user("focal_point", "JPN"), make_user("focal_point", "FRA")
    save(response_of("JPN"), japan, {"p22.status": "largely", "p23.status": "fully"})
    save(response_of("FRA"), france, {"p22.status": "fully"})

    page = page_text(client.get("/admin/audit?state=JPN&object_type=answer"))
    assert page.count("answer.saved") == 2  # the code, to search by, beside its label
    assert page.count("Answer saved answer.saved") == 2
    by_user = page_text(client.get(f"/admin/audit?user={france.email}"))
    assert "answer.saved" in by_user and f"{response_of('JPN').id}:p22.status" not in by_user
    by_key = page_text(client.get("/admin/audit?object_type=answer&object_id=p22.status"))
    assert by_key.count("answer.saved") == 2  # in both responses
    unknown = page_text(client.get("/admin/audit?user=nobody@example.org"))
    assert "No account's name or e-mail address contains this." in unknown
    assert "Changes, newest first" not in unknown  # no list: only the problem, by its field
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    assert "No change matches" in page_text(client.get(f"/admin/audit?since={tomorrow}"))

    state = state_by_code("KEN")
    for n in range(120):
        record_event("test.event", "state", f"KEN-{n}", state_id=state.id, after={"n": n})
    db.session.commit()
    first = search_audit(AuditFilter(state_id=state.id), limit=50)
    assert [e.after["n"] for e in first.events][:2] == [119, 118] and first.newer is None
    second = search_audit(AuditFilter(state_id=state.id), before=first.older, limit=50)
    third = search_audit(AuditFilter(state_id=state.id), before=second.older, limit=50)
    assert len(third.events) == 20 and third.older is None
    seen = [e.after["n"] for page_ in (first, second, third) for e in page_.events]
    assert seen == list(range(119, -1, -1))
    back = search_audit(AuditFilter(state_id=state.id), after=second.newer, limit=50)
    assert [e.id for e in back.events] == [e.id for e in first.events]

    html = client.get(f"/admin/audit?state=KEN&before={first.older}").get_data(as_text=True)
    assert "Older" in html and "Newer" in html


def test_states_page_lists_added_participants(client, admin):
    from survey.admin.services import add_participant

    add_participant("PSE", ParticipantKind.OBSERVER_STATE, RegionalGroup.NONE, actor=admin)
    db.session.commit()
    page = page_text(client.get("/admin/states?kind=observer_state"))
    assert "State of Palestine" in page and "1 participant" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(State)) == 194


def test_every_audit_action_has_a_label_people_read(client, admin, make_user):
    """Each action the code records (a string "<object>.<verb>" for a kind of object the trail
    names) has a translated label, so no page shows people a code alone."""
    import ast

    from flask_babel import force_locale

    from survey import PROJECT_ROOT
    from survey.admin.services import OBJECT_TYPES
    from survey.core.audit_labels import ACTION_LABELS, action_label

    shape = re.compile(rf"^(?:{'|'.join(OBJECT_TYPES)})\.[a-z_]+$")
    recorded = {node.value for path in (PROJECT_ROOT / "survey").rglob("*.py")
                for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                if isinstance(node, ast.Constant) and isinstance(node.value, str)
                and shape.match(node.value)}
    assert {"response.submitted", "answer.saved", "user.link_made"} <= recorded
    assert sorted(recorded - set(ACTION_LABELS)) == []
    assert action_label("response.returned") == "Response returned for revision"
    with force_locale("fr"):
        assert action_label("response.returned") != "response.returned"
    assert action_label("some.future_action") == "some.future_action"

    # On an account's page, its latest changes read as sentences.
    user = make_user("focal_point", "JPN")
    save(response_of("JPN"), user, {"p22.status": "largely"})
    page = page_text(client.get(f"/admin/users/{user.id}"))
    latest = page[page.index("Latest changes"):]
    assert "Account created" in latest and "Answer saved" in latest
    assert "user.created" not in latest and "answer.saved" not in latest


def test_in_arabic_names_in_sentences_keep_their_own_direction(client, make_user):
    focal_point = make_user("focal_point", "KEN", name="Wanjiru Kamau")
    login(client, focal_point)
    client.post(f"/responses/{response_of('KEN').id}/team", data={
        "action": "invite", "role": "observer", "email": "ken.observer@example.org",
        "display_name": "Ken Observer"})
    nominee = db.session.scalar(sa.select(User).where(User.email == "ken.observer@example.org"))
    assert nominee.nomination_pending
    client.post("/logout")
    administrator = make_user("admin")
    administrator.locale = "ar"
    db.session.commit()
    login(client, administrator)
    html = client.get(f"/admin/users/{nominee.id}").get_data(as_text=True)
    assert "<bdi>Wanjiru Kamau</bdi>" in html  # "nominated by …", in an Arabic sentence
    assert "<bdi>Ken Observer</bdi>" in html  # the buttons' names, for screen readers


def _audit_row(html: str, object_id: str) -> str:
    """The audit trail's table row of the (latest) event about this object."""
    row = re.search(rf'<tr>(?:(?!</tr>).)*<code dir="ltr">{re.escape(object_id)}</code>'
                    r'(?:(?!</tr>).)*</tr>', html, flags=re.S)
    assert row, object_id
    return row.group(0)


def _cells(row: str) -> tuple[str, str]:
    """The visible text of a row's Before and After cells."""
    cells = re.findall(r'<td class="audit-value">(.*?)</td>', row, flags=re.S)
    text = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip() for c in cells]
    return text[0], text[1]


def test_the_audit_trail_shows_values_in_their_own_characters_as_text(client, admin, make_user):
    """Not JSON escapes: a Turkish name, an Arabic answer read as written; markup is text;
    in an Arabic page, what the program made reads left to right and what people typed is
    isolated in its own direction."""
    signatory = make_user("focal_point", "TUR", name="Yılmaz Tunç")
    save(response_of("TUR"), signatory, {"general.coordinating_institution":
                                         "وزارة العدل <b>وحدة</b>"})
    html = client.get("/admin/audit?state=TUR").get_data(as_text=True)
    assert "Yılmaz Tunç" in html and "\\u0131" not in html and "\\u00e7" not in html
    assert "وزارة العدل &lt;b&gt;وحدة&lt;/b&gt;" in html and "<b>وحدة" not in html
    assert "\\u0648" not in html and "&#34;" not in html  # no JSON quotes or escapes
    created = _audit_row(html, str(signatory.id))
    before, after = _cells(created)
    assert before == "" and "display_name : Yılmaz Tunç" in after
    assert "role : focal_point" in after and "{" not in after
    answer = _audit_row(html, f"{response_of('TUR').id}:general.coordinating_institution")
    assert '<bdi lang="" class="answer-text">وزارة العدل &lt;b&gt;وحدة&lt;/b&gt;</bdi>' in answer
    assert '<code dir="ltr">value</code>' in answer
    # A long text is shortened, with the whole of it one click away.
    long_text = "Ley de cooperación judicial. " * 20
    save(response_of("TUR"), signatory, {"p22.examples": long_text})
    html = client.get("/admin/audit?state=TUR").get_data(as_text=True)
    answer = _audit_row(html, f"{response_of('TUR').id}:p22.examples")
    assert f"Show all {len(long_text)} characters" in answer
    assert "<details" in answer and escape(long_text) in answer

    admin.locale = "ar"
    db.session.commit()
    html = client.get("/admin/audit?state=TUR").get_data(as_text=True)
    assert 'dir="rtl"' in html
    row = _audit_row(html, str(signatory.id))
    assert '<code dir="ltr">display_name</code>: <bdi lang="" class="answer-text">Yılmaz Tunç' \
        in row
    assert "<bdi>Yılmaz Tunç</bdi>" in html  # who did it, in the Who column


def test_a_role_change_shows_the_role_first_and_marked_in_the_audit_trail(
        client, admin, make_user):
    user = make_user("contributor", "ESP", name="María Fernández")
    client.post(f"/admin/users/{user.id}/role",
                data={"role": "focal_point", "state": "ESP", "confirm": "y"})
    html = client.get("/admin/audit?object_type=user").get_data(as_text=True)
    row = _audit_row(html, str(user.id))
    assert "Role changed" in row
    before, after = _cells(row)
    # The change comes first, marked, in both columns; the rest is folded under it.
    assert before.startswith("Changed: role : contributor")
    assert after.startswith("Changed: role : focal_point")
    assert row.count('class="audit-line--changed"') == 2
    assert "6 values unchanged" in before and "6 values unchanged" in after
    assert "María Fernández" in before and "María Fernández" in after


def test_the_audit_trail_finds_a_user_by_a_part_of_the_name_or_address(client, admin, make_user):
    ayse = make_user("focal_point", "TUR", name="Ayşe Yılmaz", email="a.yilmaz@example.org")
    joanne = make_user("focal_point", "FRA", name="Joanne Martin", email="joanne@example.org")
    anne = make_user("focal_point", "BEL", name="Anne Dupont", email="anne@example.org")
    save(response_of("TUR"), ayse, {"p22.status": "largely"})
    save(response_of("FRA"), joanne, {"p22.status": "fully"})
    save(response_of("BEL"), anne, {"p22.status": "partially"})
    tur, fra, bel = (f"{response_of(code).id}:p22.status" for code in ("TUR", "FRA", "BEL"))

    def found(text: str) -> str:
        page = page_text(client.get("/admin/audit", query_string={"user": text,
                                                                  "object_type": "answer"}))
        assert "No account" not in page, text
        return page

    for text in ("Ayşe", "AYŞE", "YILMAZ", "a.yil", "yilmaz@EXAMPLE"):  # a part, in any case
        page = found(text)
        assert tur in page and fra not in page and bel not in page, text
    page = found("anne")  # in two addresses
    assert fra in page and bel in page and tur not in page
    page = found("anne@example.org")  # a full address is that person only
    assert bel in page and fra not in page
    # LIKE's wildcards are what they are: no name or address holds them.
    for text in ("%", "_", "a%n", "\\"):
        page = page_text(client.get("/admin/audit", query_string={"user": text}))
        assert "No account's name or e-mail address contains this." in page, text
        assert "Changes, newest first" not in page, text


def test_a_date_range_that_ends_before_it_starts_lists_nothing(client, admin, make_user):
    focal_point = make_user("focal_point", "JPN")
    save(response_of("JPN"), focal_point, {"p22.status": "largely"})
    today = date.today()
    reply = client.get("/admin/audit", query_string={
        "since": today.isoformat(), "until": (today - timedelta(days=7)).isoformat()})
    assert reply.status_code == 200
    html = reply.get_data(as_text=True)
    page = page_text(reply)
    assert "The end comes before the start." in page
    assert 'aria-describedby="until-error"' in html and 'id="until-error"' in html
    # Not the unfiltered trail, which would pass for the results.
    assert "Changes, newest first" not in page and "answer.saved" not in page
    assert "answer.saved" in page_text(client.get("/admin/audit", query_string={
        "since": (today - timedelta(days=7)).isoformat(), "until": today.isoformat()}))


def test_changing_a_role_deactivating_and_a_new_link_ask_to_confirm(client, admin, make_user):
    user = make_user("contributor", "KEN")
    page = page_text(client.get(f"/admin/users/{user.id}"))
    assert "I understand that this person gets the rights of the role chosen" in page
    assert "An administrator sees and changes every State's answers" in page
    assert "I understand that this person can no longer sign in" in page
    assert "I understand that any link made before for this person stops working" in page

    for url, data, box, problem in (
            ("role", {"role": "admin", "state": ""}, "role-confirm",
             "Tick the box to confirm the change of role."),
            ("active", {"active": "no"}, "active-confirm",
             "Tick the box to confirm that you deactivate the account."),
            ("link", {}, "link-confirm",
             "Tick the box to confirm that the earlier link may stop working.")):
        unconfirmed = client.post(f"/admin/users/{user.id}/{url}", data=data)
        assert unconfirmed.status_code == 422, url
        assert _error_of(unconfirmed, box) == problem
        assert f'<a href="#{box}">' in unconfirmed.get_data(as_text=True)  # the summary
    db.session.refresh(user)
    assert user.role is Role.CONTRIBUTOR and user.is_active  # nothing was done
    assert not db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.object_id == str(user.id),
        AuditEvent.action.in_(["user.role_changed", "user.deactivated", "user.link_made"])))
    # Reactivating locks nobody out: no box.
    client.post(f"/admin/users/{user.id}/active", data={"active": "no", "confirm": "y"})
    assert client.post(f"/admin/users/{user.id}/active",
                       data={"active": "yes"}).status_code == 302
    db.session.refresh(user)
    assert user.is_active


def test_your_own_page_says_what_you_cannot_do_instead_of_offering_it(client, admin, make_user):
    page = page_text(client.get(f"/admin/users/{admin.id}"))
    assert "Deactivate the account" not in page and "Change the role" not in page
    assert "Another administrator can change your role or deactivate it; you cannot." in page
    other = make_user("admin")
    page = page_text(client.get(f"/admin/users/{other.id}"))
    assert "Deactivate the account" in page and "Change the role" in page

    # Sent anyway, each is refused with the reason, and nothing changes.
    tried = client.post(f"/admin/users/{admin.id}/role",
                        data={"role": "observer", "state": "JPN", "confirm": "y"},
                        follow_redirects=True)
    assert "You cannot change your own role: ask another administrator." in page_text(tried)
    tried = client.post(f"/admin/users/{admin.id}/active", data={"active": "no"},
                        follow_redirects=True)
    assert "You cannot deactivate your own account." in page_text(tried)
    db.session.refresh(admin)
    assert admin.role is Role.ADMIN and admin.is_active
    with pytest.raises(DomainError, match="your own role"):  # the rule is the service's
        change_role(admin, Role.OBSERVER, state_by_code("JPN"), actor=admin)
