"""Who may read and download the report; the cache; failures shown kindly."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from survey.core.db import db
from survey.reports import national, pdf
from survey.reports.models import RenderedReport
from tests.conftest import page_text, response_of
from tests.reports.conftest import answer, pdf_text

ROLES = ["focal_point", "contributor", "observer"]


def urls(response_id: int) -> list[str]:
    return [f"/responses/{response_id}/report", f"/responses/{response_id}/report.pdf",
            f"/responses/{response_id}/report/status",
            f"/responses/{response_id}/report/progress"]


@pytest.fixture
def no_rendering(monkeypatch):
    """Make any attempt to render fail loudly (to prove something came from the cache)."""

    def refuse(*args, **kwargs):
        raise AssertionError("rendered again")

    monkeypatch.setattr(pdf, "render_isolated", refuse)
    monkeypatch.setattr(pdf, "render_pdf", refuse)


def test_anonymous_users_are_sent_to_sign_in(client):
    response = response_of("JPN")
    for url in urls(response.id):
        reply = client.get(url)
        assert reply.status_code == 302 and "/login" in reply.headers["Location"], url


@pytest.mark.parametrize("role", ROLES)
def test_another_states_report_is_not_found(client, login_as, role, no_rendering):
    login_as(role, "FRA")
    response = response_of("JPN")
    for url in urls(response.id):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/responses/{response.id}/report/retry").status_code == 404


@pytest.mark.parametrize("role", [*ROLES, "admin"])
def test_every_role_of_the_state_and_the_secretariat_may_read_it(client, login_as, role):
    login_as(role, "JPN")
    response = response_of("JPN")
    page = client.get(f"/responses/{response.id}/report")
    assert page.status_code == 200
    assert "Japan" in page_text(page)


def test_download_renders_once_then_serves_the_stored_file(client, login_as, make_user,
                                                          monkeypatch):
    user = login_as("focal_point", "JPN")
    response = response_of("JPN")
    with client.application.test_request_context("/"):
        answer(response, user, {"general.coordinating_institution": "Ministry of Justice",
                                "p22.status": "largely"})
    db.session.commit()

    status_url = f"/responses/{response.id}/report/status"
    assert client.get(status_url).get_json()["status"] == "missing"
    first = client.get(f"/responses/{response.id}/report.pdf")
    assert client.get(status_url).get_json()["status"] == "ready"
    assert first.status_code == 200
    assert first.mimetype == "application/pdf"
    disposition = first.headers["Content-Disposition"]
    assert "attachment" in disposition
    assert f"kyoto-self-assessment-JPN-{response.cycle.slug}.pdf" in disposition
    assert "Ministry of Justice" in pdf_text(first.get_data())
    assert int(first.headers["X-Report-Pages"]) > 10

    # Unchanged: served from the table, not rendered again.
    monkeypatch.setattr(pdf, "render_isolated",
                        lambda *a, **k: (_ for _ in ()).throw(AssertionError("rendered")))
    second = client.get(f"/responses/{response.id}/report.pdf")
    assert second.status_code == 200 and second.get_data() == first.get_data()
    monkeypatch.undo()

    # A change to the answers makes a new file; older ones are pruned.
    for n in range(national.KEEP_PER_RESPONSE + 1):
        db.session.expire_all()
        with client.application.test_request_context("/"):
            answer(response, user, {"general.coordinating_institution": f"Institution {n}"})
        db.session.commit()
        fresh = client.get(f"/responses/{response.id}/report.pdf")
        assert f"Institution {n}" in pdf_text(fresh.get_data())
    kept = db.session.scalars(sa.select(RenderedReport.response_revision).where(
        RenderedReport.response_id == response.id)).all()
    assert len(kept) == national.KEEP_PER_RESPONSE


def test_a_failed_rendering_shows_a_clear_page_with_a_reference(client, login_as,
                                                                 monkeypatch):
    login_as("focal_point", "JPN")
    response = response_of("JPN")

    def too_long(*args, **kwargs):
        raise pdf.RenderTimeout("rendering took more than 120 s")

    monkeypatch.setattr(pdf, "render_isolated", too_long)
    reply = client.get(f"/responses/{response.id}/report.pdf")
    assert reply.status_code == 503
    text = page_text(reply)
    assert "took too long" in text and "Your answers are safe" in text
    assert reply.headers["X-Request-Id"] in text
    assert "Traceback" not in text

    def broken(*args, **kwargs):
        raise pdf.PdfRenderError("the rendering process died (exit code -9)")

    monkeypatch.setattr(pdf, "render_isolated", broken)
    reply = client.get(f"/responses/{response.id}/report.pdf")
    assert reply.status_code == 500
    assert "could not be prepared" in page_text(reply)
    assert "exit code" not in page_text(reply)


def test_overview_links_to_the_report(client, login_as):
    login_as("observer", "JPN")
    response = response_of("JPN")
    page = client.get(f"/responses/{response.id}")
    html = page.get_data(as_text=True)
    assert f'href="/responses/{response.id}/report"' in html
    assert f'href="/responses/{response.id}/report.pdf"' in html
    assert "Download the report (PDF)" in page_text(page)


def test_without_redis_the_progress_page_goes_to_the_download(client, login_as):
    login_as("observer", "JPN")
    response = response_of("JPN")
    reply = client.get(f"/responses/{response.id}/report/progress")
    assert reply.status_code == 302
    assert reply.headers["Location"].endswith(f"/responses/{response.id}/report.pdf")


def test_a_new_role_is_not_hidden_by_a_stored_report(client, login_as, make_user):
    """The annex names the people who wrote the report with their roles: after a role change
    the next download is rendered again, not served from the store."""
    from survey.auth.models import Role
    from survey.auth.services import change_role
    from tests.conftest import state_by_code

    login_as("focal_point", "JPN")
    writer = make_user("contributor", "JPN", name="Keiko Writer")
    response = response_of("JPN")
    with client.application.test_request_context("/"):
        answer(response, writer, {"general.coordinating_institution": "Cabinet Office"})
    db.session.commit()
    before = pdf_text(client.get(f"/responses/{response.id}/report.pdf").get_data())
    assert "Keiko Writer contributor" in before

    change_role(writer, Role.OBSERVER, state_by_code("JPN"), actor=make_user("admin"))
    db.session.commit()
    after = pdf_text(client.get(f"/responses/{response.id}/report.pdf").get_data())
    assert "Keiko Writer observer" in after
