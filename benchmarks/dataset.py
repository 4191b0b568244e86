"""The benchmark's data set: every State has answered every question, as after a busy cycle.

Built on a fresh database by ``survey init`` (migrations, the 193 States, the Kyoto
questionnaire, an open cycle), then, in bulk (Core ``executemany``, not the answering
service, which would take an hour for 154,400 answers):

- four people per State (a focal point, two contributors with assigned sections, an
  observer) and a secretariat account, all able to sign in with :data:`PASSWORD`;
- an answer to every question of every State: the status mix of a real cycle, 2-4 options
  ticked, long texts of 300-1,500 characters in one to four paragraphs, in the State's
  language (a fifth of the States write in Arabic, Chinese or Russian);
- the audit trail that history leaves: one ``answer.saved`` event per revision of each
  answer (a third were revised once or twice, with the earlier draft in the event), the
  users' creation, each response's start, submission and acceptance;
- responses in progress, submitted and accepted, their revisions and last activity.

An SQLite copy is kept in ``benchmarks/out/cache`` between runs, named by a digest of the
questionnaire, the schema and this file (:func:`cached_sqlite`).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from benchmarks.texts import INSTITUTIONS, NAMES, SENTENCES

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "benchmarks" / "out" / "cache"
PASSWORD = "benchmark password 2021"  # noqa: S105 - a scratch database
SECRET_KEY = "benchmark-secret-key-" + "x" * 32
SEED = 2021
# Bump when what build() writes changes, so cached databases are rebuilt.
DATASET_VERSION = 1

# States whose people the benchmarks sign in as: their responses stay in progress.
REPORT_STATE = "JPN"
CLIENT_STATES = ("JPN", "BRA", "EGY", "CHN", "RUS", "FRA", "KEN", "IND", "MEX", "NOR")

LANGUAGE_OF = {
    **dict.fromkeys(("ARE", "BHR", "COM", "DJI", "DZA", "EGY", "IRQ", "JOR", "KWT", "LBN",
                     "LBY", "MAR", "MRT", "OMN", "QAT", "SAU", "SDN", "SOM", "SYR", "TUN",
                     "YEM"), "ar"),
    **dict.fromkeys(("ARG", "BOL", "CHL", "COL", "CRI", "CUB", "DOM", "ECU", "ESP", "GNQ",
                     "GTM", "HND", "MEX", "NIC", "PAN", "PER", "PRY", "SLV", "URY", "VEN"),
                    "es"),
    **dict.fromkeys(("BDI", "BEN", "BFA", "CAF", "CIV", "CMR", "COD", "COG", "FRA", "GAB",
                     "GIN", "HTI", "LUX", "MCO", "MDG", "MLI", "NER", "SEN", "TCD", "TGO"),
                    "fr"),
    **dict.fromkeys(("BLR", "KAZ", "KGZ", "RUS", "TJK", "TKM"), "ru"),
    "CHN": "zh",
}

STATUS_WEIGHTS = {"fully": 20, "largely": 30, "partially": 30, "not_yet": 15,
                  "not_applicable": 5}
# (shortest, longest) answer in characters, by the part of the key after "pN." or "general.".
TEXT_LENGTHS = {
    "measures": (600, 1500), "examples": (300, 1200), "challenges_details": (300, 800),
    "assistance_details": (300, 700), "executive_summary": (2000, 3400),
    "priority_actions": (800, 1500), "consultation_process": (500, 1200),
    "stakeholders_details": (400, 900),
}
# Contributor sections: contributor 1 answers pillars I and II, contributor 2 III and IV.
CONTRIBUTOR_SECTIONS = (("I", "II"), ("III", "IV"))
ROWS_PER_STATEMENT = 5000


def digest() -> str:
    """What the cached database depends on: the questionnaire, the schema, this builder."""
    h = hashlib.sha256()
    h.update(f"{DATASET_VERSION}/{SEED}".encode())
    for path in [ROOT / "questionnaires" / "kyoto-2021.json", Path(__file__),
                 ROOT / "benchmarks" / "texts.py",
                 *sorted((ROOT / "migrations" / "versions").glob("*.py"))]:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


def app_config(url: str, instance: Path, **overrides: Any) -> dict[str, Any]:
    return {"DATABASE_URL": url, "INSTANCE_PATH": str(instance), "SECRET_KEY": SECRET_KEY,
            **overrides}


def make_app(url: str, instance: Path, **overrides: Any):
    from survey import create_app

    return create_app(app_config(url, instance, **overrides))


def email_of(role: str, code: str) -> str:
    """focal.point.jpn@bench.example.org, contributor1.jpn@..., observer.jpn@..."""
    return f"{role}.{code.lower()}@bench.example.org"


ADMIN_EMAIL = "secretariat@bench.example.org"


@dataclass(frozen=True)
class BuildSummary:
    states: int
    answers: int
    events: int
    seconds: float


def cached_sqlite(states: int = 193, *, rebuild: bool = False,
                  out: Callable[[str], None] = print) -> Path:
    """The path of the cached SQLite data set with ``states`` States answered, built first
    if it is missing (or ``rebuild``)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"dataset-{digest()}-{states}.db"
    if path.exists() and not rebuild:
        return path
    for stale in CACHE.glob(f"dataset-*-{states}.db*"):
        stale.unlink()
    building = path.with_suffix(".building")
    for leftover in CACHE.glob(building.name + "*"):
        leftover.unlink()
    summary = build(f"sqlite:///{building}", states=states, out=out)
    # A single file (no write-ahead log beside it), so it can be copied as it is.
    engine = sa.create_engine(f"sqlite:///{building}")
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA journal_mode=DELETE")
    engine.dispose()
    building.rename(path)
    out(f"built the data set in {summary.seconds:.0f} s: {summary.states} States, "
        f"{summary.answers:,} answers, {summary.events:,} audit events -> "
        f"{path.relative_to(ROOT)} ({path.stat().st_size / 1e6:.0f} MB)")
    return path


def working_copy(cached: Path, folder: Path) -> str:
    """A copy of the cached database for one run (runs change it: sessions, reports)."""
    target = folder / cached.name
    shutil.copyfile(cached, target)
    return f"sqlite:///{target}"


# --- building ---------------------------------------------------------------------------

def build(url: str, *, states: int = 193, out: Callable[[str], None] = print) -> BuildSummary:
    """Fill an empty database at ``url`` with the data set (``states`` States answered; the
    responses of the others are removed, as if they did not take part)."""
    from survey.cli import initialize
    from survey.core.db import db

    start = time.perf_counter()
    folder = CACHE / "instance"
    folder.mkdir(parents=True, exist_ok=True)
    app = make_app(url, folder)
    try:
        with app.app_context():
            initialize(out=lambda *_: None)
            db.session.commit()
            builder = _Builder(db.session.connection(), states, random.Random(SEED))
            answers, events = builder.run(out)
            db.session.commit()
            if db.session.get_bind().dialect.name == "postgresql":
                db.session.connection().exec_driver_sql("ANALYZE")
                db.session.commit()
            db.session.remove()
    finally:
        app.extensions["survey.db"].engine.dispose()
    return BuildSummary(states, answers, events, time.perf_counter() - start)


class _Builder:
    def __init__(self, connection: sa.Connection, states: int, rng: random.Random) -> None:
        from survey.core.db import utcnow
        from survey.cycles.services import current_cycle
        from survey.questionnaires.outline import outline_of

        self.connection = connection
        self.rng = rng
        self.cycle = current_cycle()
        self.outline = outline_of(self.cycle.questionnaire_version)
        self.wanted = states
        self.now = utcnow()

    def run(self, out: Callable[[str], None]) -> tuple[int, int]:
        from survey.responses.models import Response
        from survey.states.models import State

        c = self.connection
        responses = c.execute(
            sa.select(Response.id, State.id, State.code)
            .join(State, Response.state_id == State.id)
            .where(Response.cycle_id == self.cycle.id).order_by(State.code)).all()
        chosen = self._choose(responses)
        dropped = [r.id for r in responses if r.code not in chosen]
        if dropped:
            c.execute(sa.delete(Response).where(Response.id.in_(dropped)))
        responses = [r for r in responses if r.code in chosen]
        people = self._add_people(responses)
        answers = events = 0
        for n, (response_id, state_id, code) in enumerate(responses, start=1):
            a, e = self._answer(response_id, state_id, code, people[code])
            answers, events = answers + a, events + e
            if n % 20 == 0 or n == len(responses):
                out(f"  answered {n}/{len(responses)} States ({answers:,} answers)")
        return answers, events

    def _choose(self, responses: list[Any]) -> set[str]:
        codes = [r.code for r in responses]
        if self.wanted >= len(codes):
            return set(codes)
        others = [c for c in codes if c not in CLIENT_STATES]
        picked = set(CLIENT_STATES) | set(self.rng.sample(others,
                                                          self.wanted - len(CLIENT_STATES)))
        return picked

    # -- people -----------------------------------------------------------------------

    def _add_people(self, responses: list[Any]) -> dict[str, dict[str, int]]:
        from survey.auth import passwords
        from survey.auth.models import ContributorSection, Role, User
        from survey.core.audit import AuditEvent

        password_hash = passwords.hash_password(PASSWORD)  # one hash: argon2 is slow on purpose
        created = self.now - timedelta(days=90)
        rows = [{"email": ADMIN_EMAIL, "display_name": "Secretariat reviewer",
                 "password_hash": password_hash, "role": Role.ADMIN, "state_id": None,
                 "created_at": created}]
        for _response_id, state_id, code in responses:
            given, family = NAMES[LANGUAGE_OF.get(code, "en")]
            for role, kind in (("focal.point", Role.FOCAL_POINT),
                               ("contributor1", Role.CONTRIBUTOR),
                               ("contributor2", Role.CONTRIBUTOR),
                               ("observer", Role.OBSERVER)):
                name = f"{self.rng.choice(given)} {self.rng.choice(family)}"
                rows.append({"email": email_of(role, code), "display_name": name,
                             "password_hash": password_hash, "role": kind,
                             "state_id": state_id, "created_at": created})
        self.connection.execute(sa.insert(User), rows)
        ids = dict(self.connection.execute(sa.select(User.email, User.id)).all())
        self.admin_id = ids[ADMIN_EMAIL]
        people: dict[str, dict[str, int]] = {}
        sections, events = [], []
        for _response_id, state_id, code in responses:
            people[code] = {role: ids[email_of(role, code)] for role in
                            ("focal.point", "contributor1", "contributor2", "observer")}
            for n, keys in enumerate(CONTRIBUTOR_SECTIONS, start=1):
                sections += [{"user_id": people[code][f"contributor{n}"], "section_key": k}
                             for k in keys]
            for role, user_id in people[code].items():
                events.append({"occurred_at": created, "actor_id": self.admin_id,
                               "state_id": state_id, "object_type": "user",
                               "object_id": str(user_id), "action": "user.created",
                               "after": {"email": email_of(role, code)}})
        self.connection.execute(sa.insert(ContributorSection), sections)
        self.connection.execute(sa.insert(AuditEvent), events)
        return people

    # -- answers ----------------------------------------------------------------------

    def _answer(self, response_id: int, state_id: int, code: str,
                people: dict[str, int]) -> tuple[int, int]:
        from survey.core.audit import AuditEvent
        from survey.responses.models import Answer, Response, ResponseStatus

        rng, language = self.rng, LANGUAGE_OF.get(code, "en")
        answers, events = [], []
        started = self.now - timedelta(days=rng.uniform(30, 60))
        clock = started
        last_by = people["focal.point"]
        events.append(self._event(clock, last_by, state_id, "response", response_id,
                                  "response.started", {"status": "not_started"},
                                  {"status": "in_progress"}))
        for question in self.outline.questions():
            author = self._author(question, people)
            value = self._value(question, language)
            revisions = rng.choices((1, 2, 3), weights=(6, 3, 1))[0]
            before: Any = None
            for revision in range(1, revisions + 1):
                clock += timedelta(seconds=rng.uniform(5, 600))
                current = value if revision == revisions else self._draft(question, value,
                                                                          language)
                events.append(self._event(
                    clock, author, state_id, "answer", f"{response_id}:{question.key}",
                    "answer.saved", {"value": before, "revision": revision - 1},
                    {"value": current, "revision": revision}))
                before = current
            answers.append({"response_id": response_id, "question_key": question.key,
                            "value": value, "revision": revisions, "updated_at": clock,
                            "updated_by_id": author})
            last_by = author
        status = self._status(code)
        values: dict[str, Any] = {"status": status, "revision": len(events),
                                  "last_activity_at": clock, "last_activity_by_id": last_by}
        if status in (ResponseStatus.SUBMITTED, ResponseStatus.ACCEPTED):
            clock += timedelta(hours=2)
            values |= {"submitted_at": clock, "submitted_by_id": people["focal.point"]}
            events.append(self._event(clock, people["focal.point"], state_id, "response",
                                      response_id, "response.submitted",
                                      {"status": "in_progress"}, {"status": "submitted"}))
        if status is ResponseStatus.ACCEPTED:
            clock += timedelta(days=3)
            values |= {"reviewed_at": clock, "reviewed_by_id": self.admin_id}
            events.append(self._event(clock, self.admin_id, state_id, "response",
                                      response_id, "response.accepted",
                                      {"status": "submitted"}, {"status": "accepted"}))
        for chunk in _chunks(answers):
            self.connection.execute(sa.insert(Answer), chunk)
        for chunk in _chunks(events):
            self.connection.execute(sa.insert(AuditEvent), chunk)
        self.connection.execute(sa.update(Response).where(Response.id == response_id)
                                .values(**values))
        return len(answers), len(events)

    def _status(self, code: str):
        from survey.responses.models import ResponseStatus

        if code in CLIENT_STATES:
            return ResponseStatus.IN_PROGRESS
        return self.rng.choices(
            (ResponseStatus.IN_PROGRESS, ResponseStatus.SUBMITTED, ResponseStatus.ACCEPTED),
            weights=(6, 3, 1))[0]

    @staticmethod
    def _event(when: datetime, actor: int, state_id: int, obj_type: str, obj_id: Any,
               action: str, before: Any, after: Any) -> dict[str, Any]:
        return {"occurred_at": when, "actor_id": actor, "state_id": state_id,
                "object_type": obj_type, "object_id": str(obj_id), "action": action,
                "before": before, "after": after}

    def _author(self, question: Any, people: dict[str, int]) -> int:
        top = self.outline.top_level(question.section_key).key
        for n, keys in enumerate(CONTRIBUTOR_SECTIONS, start=1):
            if top in keys and self.rng.random() < 0.7:
                return people[f"contributor{n}"]
        return people["focal.point"]

    def _value(self, question: Any, language: str) -> Any:
        from survey.questionnaires.models import QuestionType

        rng = self.rng
        field = question.key.split(".")[1]
        if question.type is QuestionType.SINGLE_CHOICE:
            values = question.option_values
            scale = [v for v in STATUS_WEIGHTS if v in values]
            if scale:
                return rng.choices(scale, weights=[STATUS_WEIGHTS[v] for v in scale])[0]
            return rng.choice(values)
        if question.type is QuestionType.MULTIPLE_CHOICE:
            values = [v for v in question.option_values if v != "none"]
            if "none" in question.option_values and rng.random() < 0.1:
                return ["none"]
            chosen = set(rng.sample(values, min(len(values), rng.randint(2, 4))))
            return [v for v in question.option_values if v in chosen]
        if question.type is QuestionType.NUMBER:
            return rng.randint(1, 5000)
        if question.type is QuestionType.DATE:
            return (self.now.date() - timedelta(days=rng.randint(0, 900))).isoformat()
        if question.type is QuestionType.EMAIL:
            return "focal.point@justice.example.org"
        if field == "focal_point_contact":
            given, family = NAMES[language]
            return (f"{rng.choice(given)} {rng.choice(family)}\n"
                    f"{rng.choice(INSTITUTIONS[language])}\n+1 555 0100\n"
                    "focal.point@justice.example.org")
        if question.type is QuestionType.TEXT:
            institutions = INSTITUTIONS[language]
            return "; ".join(rng.sample(institutions, rng.randint(2, min(5, len(institutions)))))
        low, high = TEXT_LENGTHS.get(field, (300, 1500))
        if question.max_length:
            high = min(high, question.max_length - 100)
        return self._text(language, rng.randint(low, high))

    def _text(self, language: str, length: int) -> str:
        """About ``length`` characters in one paragraph per ~450 characters (1 to 4)."""
        rng, sentences = self.rng, SENTENCES[language]
        joiner = "" if language == "zh" else " "
        count = max(1, min(4, round(length / 450)))
        paragraphs = []
        for _ in range(count):
            parts: list[str] = []
            while sum(len(p) for p in parts) < length / count:
                parts.append(rng.choice(sentences))
            paragraphs.append(joiner.join(parts))
        return "\n\n".join(paragraphs)

    def _draft(self, question: Any, value: Any, language: str) -> Any:
        """An earlier version of ``value``: the text's first paragraph, another choice."""
        if isinstance(value, str) and "\n\n" in value:
            return value.split("\n\n", 1)[0]
        if isinstance(value, list):
            return value[:1]
        if question.is_choice:
            return self.rng.choice(question.option_values)
        return value[: len(value) // 2] if isinstance(value, str) else value


def _chunks(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        yield rows[start:start + ROWS_PER_STATEMENT]


# --- PostgreSQL ---------------------------------------------------------------------------

# The local server's maintenance database; our own databases are created beside it.
POSTGRES_SERVER = os.environ.get("BENCHMARK_POSTGRES_URL",
                                 "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def postgres_reachable(server_url: str = POSTGRES_SERVER) -> str | None:
    """None if the server answers, else why not."""
    engine = sa.create_engine(server_url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except Exception as exc:  # any failure means "skip that part"
        return str(getattr(exc, "orig", exc)).strip().splitlines()[0]
    finally:
        engine.dispose()
    return None


class PostgresDatabase:
    """A database of our own on the local server, dropped on exit."""

    def __init__(self, name: str, server_url: str = POSTGRES_SERVER) -> None:
        self.name = name
        self.admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
        self.url = sa.engine.make_url(server_url).set(database=name).render_as_string(False)

    def __enter__(self) -> PostgresDatabase:
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.name}"')
            connection.exec_driver_sql(f'CREATE DATABASE "{self.name}"')
        return self

    def __exit__(self, *exc: object) -> None:
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self.admin.dispose()

    def server_version(self) -> str:
        with self.admin.connect() as connection:
            return connection.exec_driver_sql("SHOW server_version").scalar_one()


if __name__ == "__main__":
    # python -m benchmarks.dataset [STATES]: build (or find) the cached SQLite data set.
    print(cached_sqlite(int(sys.argv[1]) if len(sys.argv) > 1 else 193))
    print(json.dumps({"digest": digest()}))
