"""Many people saving into one response at once: no update is lost, nothing is corrupted.

Runs on a database where each save really commits (``committed_app``), with one thread per
user, each in its own application context and database session, as app servers would be.
"""

import itertools
import threading
import time

import pytest
import sqlalchemy as sa

from survey.auth.models import Role
from survey.auth.services import create_user
from survey.core.audit import AuditEvent
from survey.core.db import db
from survey.cycles.services import current_cycle
from survey.responses import services
from survey.responses.models import Answer, Response, ResponseStatus
from survey.states.models import State
from tests.conftest import PASSWORD, on_postgres
from tests.responses.helpers import complete

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
            revision=0, status="not_started", last_activity_at=None, last_activity_by_id=None,
            submitted_at=None, submitted_by_id=None))
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


@pytest.mark.skipif(not on_postgres(), reason="row locks; SQLite serialises every writing "
                    "request from its first statement (BEGIN IMMEDIATE)")
@pytest.mark.parametrize("autosave", [True, False], ids=["one answer", "several answers"])
def test_no_save_lands_after_the_sign_off(committed_app, team, autosave):
    """The focal point signs off while a colleague's save is on its way: the save waits for
    the sign-off and is then refused; nothing is written after it."""
    from survey.auth.models import User

    response_id, user_ids = team
    with committed_app.app_context():
        response, focal_point = db.session.get(Response, response_id), db.session.get(
            User, user_ids[0])
        complete(response, focal_point)
        # Answers that exist already: one answer then takes PostgreSQL's one-statement save.
        services.save_answers(response, [services.Change(k, "Before", "")
                                         for k in ("p22.examples", "p23.examples")],
                              actor=focal_point)
        db.session.commit()
    signing = threading.Event()
    outcome: dict[str, object] = {}

    def sign_off() -> None:
        with committed_app.app_context():
            services.submit(db.session.get(Response, response_id),
                            actor=db.session.get(User, user_ids[0]))
            signing.set()  # the response's row is held until this commits
            time.sleep(1.0)  # long enough for the save to reach the row and wait
            db.session.commit()
            db.session.remove()

    def save() -> None:
        with committed_app.app_context():
            response = db.session.get(Response, response_id)
            user = db.session.get(User, user_ids[1])
            keys = ["p22.examples"] + ([] if autosave else ["p23.examples"])
            current = services.answers_of(response, keys)
            changes = [services.Change(k, "Written while signing off",
                                       services.answer_token(current.get(k))) for k in keys]
            db.session.commit()
            signing.wait(timeout=30)
            try:
                outcome["saved"] = services.save_answers(response, changes, actor=user)
                db.session.commit()
            except services.DomainError as exc:
                outcome["refused"] = str(exc)
            db.session.remove()

    threads = [threading.Thread(target=sign_off), threading.Thread(target=save)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert "submitted" in str(outcome.get("refused")), outcome
    with committed_app.app_context():
        response = db.session.get(Response, response_id)
        assert response.status is ResponseStatus.SUBMITTED
        written = db.session.scalars(sa.select(Answer.value).where(
            Answer.response_id == response_id,
            Answer.question_key.in_(["p22.examples", "p23.examples"]))).all()
        assert written == ["Before", "Before"]
        assert len(db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.object_id.in_([f"{response_id}:p22.examples",
                                      f"{response_id}:p23.examples"]))).all()) == 2


@pytest.mark.skipif(not on_postgres(), reason="row locks; SQLite serialises every writing "
                    "request from its first statement (BEGIN IMMEDIATE)")
def test_the_sign_off_checks_the_answers_a_save_in_progress_leaves(committed_app, team):
    """A colleague clears a required answer while the focal point signs off: the sign-off
    waits for that save and then finds the answer missing."""
    from survey.auth.models import User

    response_id, user_ids = team
    with committed_app.app_context():
        complete(db.session.get(Response, response_id), db.session.get(User, user_ids[0]))
    saving = threading.Event()
    outcome: dict[str, object] = {}

    def clear() -> None:
        with committed_app.app_context():
            response = db.session.get(Response, response_id)
            current = services.answers_of(response, ["p22.status"])
            saved = services.save_answers(response, [services.Change(
                "p22.status", None, services.answer_token(current.get("p22.status")))],
                actor=db.session.get(User, user_ids[1]))
            assert "p22.status" in saved.saved, saved
            saving.set()  # written, not committed: the response's row is held
            time.sleep(1.0)
            db.session.commit()
            db.session.remove()

    def sign_off() -> None:
        with committed_app.app_context():
            saving.wait(timeout=30)
            try:
                services.submit(db.session.get(Response, response_id),
                                actor=db.session.get(User, user_ids[0]))
                db.session.commit()
            except services.IncompleteResponse as exc:
                outcome["missing"] = [q.key for q in exc.missing]
            db.session.remove()

    threads = [threading.Thread(target=clear), threading.Thread(target=sign_off)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcome.get("missing") == ["p22.status"], outcome
    with committed_app.app_context():
        assert db.session.get(Response, response_id).status is not ResponseStatus.SUBMITTED
