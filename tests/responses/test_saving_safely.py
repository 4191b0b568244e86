"""What the server does so that nobody's words are lost: a save sent to a response locked
meanwhile gives the text back, a page open across a sign-in gets the session's new token,
and the dashboard's recent changes read in the user's language."""

import re

from werkzeug.datastructures import MultiDict

from survey.core.db import db
from survey.responses import services
from tests.conftest import login, page_text, response_of
from tests.responses.helpers import complete, page_csrf_token, save, tokens_on_page

HOSTILE = 'Ministry of Justice <b onmouseover="alert(1)">& partners</b>'


def section_url(response, key="general"):
    return f"/responses/{response.id}/sections/{key}"


def test_a_post_to_a_response_submitted_meanwhile_gives_the_typed_text_back(
        client, make_user):
    """Without JavaScript: the page says why nothing was saved and shows what was typed, as
    text to copy, rather than a bare "You do not have permission"."""
    focal_point = make_user("focal_point", "JPN")
    contributor = make_user("contributor", "JPN")
    response = response_of("JPN")
    login(client, contributor)
    tokens = tokens_on_page(client.get(section_url(response)).get_data(as_text=True))

    # Meanwhile the focal point signs off.
    complete(response, focal_point)
    services.submit(response, actor=focal_point)
    saved_before = services.answer_values(response)

    form = {f"base.{k}": v for k, v in tokens.items()}
    form.update({"general.coordinating_institution": HOSTILE,
                 "general.consultation_process": "Two workshops,\nthen a public call."})
    page = client.post(section_url(response), data=form)
    assert page.status_code == 409
    text = page_text(page)
    assert "What you typed has not been saved" in text
    assert "The response has been submitted." in text  # why
    assert "You do not have permission" not in text
    assert HOSTILE in text and "Two workshops, then a public call." in text
    html = page.get_data(as_text=True)
    assert "Two workshops,\nthen a public call." in html  # its lines kept
    assert "&lt;b onmouseover=" in html and "<b onmouseover" not in html  # as text
    assert 'name="general.coordinating_institution"' not in html  # no field: read-only
    assert services.answer_values(response) == saved_before


def test_choices_sent_to_a_locked_response_are_given_back_by_their_labels(
        client, make_user):
    focal_point = make_user("focal_point", "JPN")
    contributor = make_user("contributor", "JPN")
    response = response_of("JPN")
    login(client, contributor)
    url = section_url(response, "declaration")
    tokens = tokens_on_page(client.get(url).get_data(as_text=True))
    complete(response, focal_point)  # every status "not yet"
    services.submit(response, actor=focal_point)

    form = MultiDict([(f"base.{k}", v) for k, v in tokens.items()])
    form.add("p3.status", "not_yet")  # as stored: nothing to give back
    form.add("p4.status", "partially")
    for value in ("capacity", "resources"):
        form.add("p4.challenges", value)
    page = client.post(url, data=form)
    assert page.status_code == 409
    kept = re.search(r'<section class="card card--attention".*?</section>',
                     page.get_data(as_text=True), flags=re.S).group(0)
    assert "What you typed has not been saved" in kept
    assert "Partially implemented" in kept
    assert "Limited human or technical capacity; Limited financial resources" in kept
    assert "Not yet implemented" not in kept  # p3's status, unchanged


def test_a_post_by_someone_who_could_never_edit_is_still_refused(client, make_user):
    observer = make_user("observer", "JPN")
    focal_point = make_user("focal_point", "JPN")
    response = response_of("JPN")
    complete(response, focal_point)
    services.submit(response, actor=focal_point)
    login(client, observer)
    page = client.post(section_url(response), data={
        "general.coordinating_institution": "An observer's text"})
    assert page.status_code == 403
    assert "An observer&#39;s text" not in page.get_data(as_text=True)


def test_the_csrf_token_endpoint_gives_the_sessions_current_token(client, make_user):
    """After signing in again (in another tab), the page's token is refused; the token the
    endpoint gives makes the same save work, and names whose session it is."""
    user = make_user("focal_point", "JPN")
    response = response_of("JPN")
    login(client, user)
    html = client.get(section_url(response, "I")).get_data(as_text=True)
    old_token, tokens = page_csrf_token(html), tokens_on_page(html)
    assert 'data-token-url="/session/csrf-token"' in html
    assert f'data-user-id="{user.id}"' in html

    client.post("/logout")
    login(client, user)
    url = f"/responses/{response.id}/autosave"
    change = {"changes": [{"key": "p21.status", "value": "fully", "base": tokens["p21.status"]}]}
    refused = client.post(url, json=change, csrf=False, headers={
        "X-CSRFToken": old_token, "Accept": "application/json"})
    assert refused.status_code == 400
    assert "p21.status" not in services.answer_values(response)

    answer = client.get("/session/csrf-token", headers={"Accept": "application/json"})
    assert answer.status_code == 200
    assert answer.json["user_id"] == user.id
    saved = client.post(url, json=change, csrf=False, headers={
        "X-CSRFToken": answer.json["csrf_token"], "Accept": "application/json"})
    assert saved.status_code == 200
    assert services.answer_values(response)["p21.status"] == "fully"

    client.post("/logout")
    signed_out = client.get("/session/csrf-token", headers={"Accept": "application/json"})
    assert signed_out.status_code == 401 and "csrf_token" not in signed_out.json


def test_the_dashboard_names_each_change_in_the_users_language(client, login_as):
    user = login_as("focal_point", "JPN")
    response = response_of("JPN")
    save(response, user, p21__status="fully")  # the first save starts the response
    recent = page_text(client.get(f"/responses/{response.id}"))
    recent = recent[recent.index("Recent changes"):]
    assert "Response started" in recent
    assert not re.search(r": started\b", recent)

    user.locale = "fr"
    db.session.commit()
    recent = page_text(client.get(f"/responses/{response.id}"))
    assert "Réponse commencée" in recent
