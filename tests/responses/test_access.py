"""Each role's rights on its own State's response, and nothing at all on another's."""

import pytest

from survey.responses import services
from tests.conftest import response_of
from tests.responses.helpers import save

# (method, path template, data) for every page of a State's response.
PAGES = {
    "overview": ("GET", "/responses/{id}", None),
    "section": ("GET", "/responses/{id}/sections/I", None),
    "save": ("POST", "/responses/{id}/sections/I", {"p21.status": "fully", "base.p21.status": ""}),
    "autosave": ("POST", "/responses/{id}/autosave", "json"),
    "history": ("GET", "/responses/{id}/answers/p21.status/history", None),
    "submit_page": ("GET", "/responses/{id}/submit", None),
    "team": ("GET", "/responses/{id}/team", None),
}

# What each role of the response's own State gets.
OWN_STATE = {
    "focal_point": {"overview": 200, "section": 200, "save": 302, "autosave": 200,
                    "history": 200, "submit_page": 200, "team": 200},
    "contributor": {"overview": 200, "section": 200, "save": 302, "autosave": 200,
                    "history": 200, "submit_page": 403, "team": 200},
    "observer": {"overview": 200, "section": 200, "save": 403, "autosave": 403,
                 "history": 200, "submit_page": 403, "team": 200},
    "admin": {"overview": 200, "section": 200, "save": 403, "autosave": 403,
              "history": 200, "submit_page": 403, "team": 200},
}


def request(client, page, response_id):
    method, path, data = PAGES[page]
    path = path.format(id=response_id)
    if data == "json":
        return client.post(path, json={"changes": [{"key": "p21.status", "value": "fully",
                                                    "base": "0:x"}]})
    return client.open(path, method=method, data=data)


@pytest.mark.parametrize("role", list(OWN_STATE))
@pytest.mark.parametrize("page", list(PAGES))
def test_roles_of_the_state(client, login_as, role, page):
    login_as(role, None if role == "admin" else "JPN")
    assert request(client, page, response_of("JPN").id).status_code == OWN_STATE[role][page]


@pytest.mark.parametrize("role", ["focal_point", "contributor", "observer"])
@pytest.mark.parametrize("page", list(PAGES))
def test_another_states_response_does_not_exist_for_them(client, login_as, role, page):
    login_as(role, "FRA")
    assert request(client, page, response_of("JPN").id).status_code == 404


@pytest.mark.parametrize("page", list(PAGES))
def test_anonymous_users_are_sent_to_sign_in(client, page):
    result = request(client, page, response_of("JPN").id)
    assert result.status_code in (302, 401)
    if result.status_code == 302:
        assert result.headers["Location"].startswith("/login")


def test_a_contributor_edits_only_the_sections_assigned(client, make_user, login_as):
    from survey.auth.models import ContributorSection
    from survey.core.db import db

    contributor = login_as("contributor", "JPN")
    db.session.add(ContributorSection(user_id=contributor.id, section_key="II"))
    db.session.commit()
    response = response_of("JPN")
    assert client.post(f"/responses/{response.id}/sections/I",
                       data={"p21.status": "fully", "base.p21.status": ""}).status_code == 403
    page = client.get(f"/responses/{response.id}/sections/I")
    assert page.status_code == 200 and 'name="p21.status"' not in page.get_data(as_text=True)
    assert client.post(f"/responses/{response.id}/sections/II",
                       data={"p31.status": "fully", "base.p31.status": "0:x"}).status_code == 302
    assert services.answer_values(response) == {"p31.status": "fully"}


def test_an_observer_reads_the_answers_without_any_field(client, make_user, login_as):
    author = make_user("focal_point", "JPN")
    save(response_of("JPN"), author, p21__measures="Act No. 12 of 2020")
    login_as("observer", "JPN")
    page = client.get(f"/responses/{response_of('JPN').id}/sections/I")
    html = page.get_data(as_text=True)
    assert "Act No. 12 of 2020" in html
    assert "<textarea" not in html and 'type="radio"' not in html and "answers.js" not in html
