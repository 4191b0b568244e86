"""A failure in the middle of a request leaves nothing half-done: the whole unit of work
is rolled back, and the user gets a friendly page with a reference, not a stack trace."""

import sqlalchemy as sa

from survey.core.audit import AuditEvent
from survey.core.db import db
from survey.responses import services
from tests.conftest import page_text, response_of
from tests.responses.helpers import tokens_on_page


def test_a_database_error_between_two_writes_rolls_back_both(app, client, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)  # as in production
    login_as("focal_point", "JPN")
    response = response_of("JPN")
    url = f"/responses/{response.id}/sections/I"
    tokens = tokens_on_page(client.get(url).get_data(as_text=True))
    real_write = services._write
    calls = []

    def failing_second_write(*args, **kwargs):
        calls.append(args[1])
        if len(calls) == 2:
            raise sa.exc.OperationalError("UPDATE answers ...", {}, Exception("disk I/O error"))
        return real_write(*args, **kwargs)

    monkeypatch.setattr(services, "_write", failing_second_write)
    form = {f"base.{k}": v for k, v in tokens.items()}
    form.update({"p21.status": "fully", "p22.status": "largely"})
    failed = client.post(url, data=form)

    assert len(calls) == 2  # the first answer was written before the failure
    assert failed.status_code == 500
    text = page_text(failed)
    assert "Something went wrong on our side" in text and "Reference:" in text
    assert "disk I/O error" not in text and "UPDATE answers" not in text
    assert services.answer_values(response) == {}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.object_id.like(f"{response.id}:%"))) == 0
    db.session.refresh(response)
    assert response.revision == 0
