"""Many people saving into one response at once: no update is lost, nothing is corrupted.

Runs on a database where each save really commits (``committed_app``), with one thread per
user, each in its own application context and database session, as app servers would be.
"""

import itertools
import threading

import pytest
import sqlalchemy as sa

from survey.auth.models import Role
from survey.auth.services import create_user
from survey.core.audit import AuditEvent
from survey.core.db import db
from survey.cycles.services import current_cycle
from survey.responses import services
from survey.responses.models import Answer, Response
from survey.states.models import State
from tests.conftest import PASSWORD

THREADS = 6
SAVES_PER_THREAD = 15
SHARED_KEY = "p21.examples"  # everyone edits this one answer


@pytest.fixture
def team(committed_app):
    """A State's response and six users of that State, removed afterwards."""
    with committed_app.app_context():
        state = db.session.scalars(sa.select(State).where(State.code == "NOR")).one()
        users = [create_user(f"concurrent{i}@example.org", f"Writer {i}",
                             Role.FOCAL_POINT if i == 0 else Role.CONTRIBUTOR, state,
                             actor=None, password=PASSWORD) for i in range(THREADS)]
        response = db.session.scalars(sa.select(Response).where(
            Response.state_id == state.id, Response.cycle_id == current_cycle().id)).one()
        db.session.commit()
        ids = (response.id, [u.id for u in users])
    yield ids
    with committed_app.app_context():
        response_id, user_ids = ids
        db.session.execute(sa.delete(Answer).where(Answer.response_id == response_id))
        db.session.execute(sa.delete(AuditEvent).where(AuditEvent.actor_id.in_(user_ids)))
        db.session.execute(sa.update(Response).where(Response.id == response_id).values(
            revision=0, status="not_started", last_activity_at=None, last_activity_by_id=None))
        db.session.execute(sa.text("DELETE FROM users WHERE id IN :ids").bindparams(
            sa.bindparam("ids", expanding=True)), {"ids": user_ids})
        db.session.commit()


def test_concurrent_saves_lose_no_update(committed_app, team):
    from survey.auth.models import User

    response_id, user_ids = team
    acknowledged: list[tuple[str, str]] = []  # (key, value) of every save reported as saved
    failures: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def writer(index: int) -> None:
        try:
            with committed_app.app_context():
                user = db.session.get(User, user_ids[index])
                own_key = f"p{22 + index}.examples"
                db.session.commit()  # hold no lock while waiting for the others
                start.wait(timeout=60)
                for n in range(SAVES_PER_THREAD):
                    response = db.session.get(Response, response_id)
                    for key in (SHARED_KEY, own_key):
                        value = f"writer {index}, save {n}, {key}"
                        while True:  # on a conflict, look again and retry, as a user would
                            current = services.answers_of(response, [key]).get(key)
                            outcome = services.save_answers(
                                response, [services.Change(key, value,
                                                           services.answer_token(current))],
                                actor=user)
                            db.session.commit()
                            if key in outcome.saved:
                                with lock:
                                    acknowledged.append((key, value))
                                break
                            assert outcome.conflicts, outcome
                            db.session.expire_all()
                    db.session.expire_all()
                db.session.remove()
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not failures, failures
    assert len(acknowledged) == THREADS * SAVES_PER_THREAD * 2

    with committed_app.app_context():
        answers = {a.question_key: a for a in db.session.scalars(
            sa.select(Answer).where(Answer.response_id == response_id))}
        shared_saves = [v for k, v in acknowledged if k == SHARED_KEY]
        # Every acknowledged save of the shared answer is one revision of it, in order.
        assert answers[SHARED_KEY].revision == len(shared_saves)
        events = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.object_id == f"{response_id}:{SHARED_KEY}").order_by(AuditEvent.id)).all()
        assert [e.after["revision"] for e in events] == list(range(1, len(shared_saves) + 1))
        assert [e.before["revision"] for e in events] == list(range(0, len(shared_saves)))
        assert sorted(e.after["value"] for e in events) == sorted(shared_saves)
        # Each save's "before" is the previous save's "after": nothing was overwritten unseen.
        for earlier, later in itertools.pairwise(events):
            assert later.before["value"] == earlier.after["value"]
        assert answers[SHARED_KEY].value == events[-1].after["value"]
        for index in range(THREADS):
            own = answers[f"p{22 + index}.examples"]
            assert own.revision == SAVES_PER_THREAD
            last = SAVES_PER_THREAD - 1
            assert own.value == f"writer {index}, save {last}, p{22 + index}.examples"
        # The response's revision counted every write: no increment was lost.
        response = db.session.get(Response, response_id)
        assert response.revision == len(acknowledged)
