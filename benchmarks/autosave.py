"""Autosave under load: 20 people typing at once, against gunicorn on PostgreSQL.

The data set is loaded into a PostgreSQL database of our own (created here and dropped at
the end), served by ``gunicorn --workers 2`` with the production settings, through
:mod:`benchmarks.floor_app` (the product's app plus the floor's bare endpoint).

Twenty clients (a focal point and a contributor in each of ten States) sign in through the
login form, open the page of the subsection they work on, then save without pause, as the
page's script does: ``POST /responses/<id>/autosave`` with one changed long text (about a
thousand characters) and the base token of the answer it changes, the token the previous
save returned. Each save is a real change: revision check, new revision, audit event.

The floor: the same clients post the same text to the bare endpoint, which performs one
UPDATE of an answer. Product and floor alternate in bursts; the figures are the median
throughput of the bursts and the 95th percentile of every request's latency.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from benchmarks import dataset
from benchmarks.load import Burst, HttpClient, run_burst
from benchmarks.timing import percentile
from benchmarks.web import counting_statements, csrf_token, signed_in_client

CLIENTS = 20
WORKERS = 2
TEXT_FIELDS = ("measures", "examples", "challenges_details", "assistance_details")
FLOOR_FIELD = "authorities"  # the floor writes this answer of the client's paragraph
_BASE = re.compile(r'name="base\.([^"]+)" value="([^"]*)"')


@dataclass
class ClientPlan:
    email: str
    response_id: int
    page: str  # the subsection page the person works on
    keys: tuple[str, ...]  # the answers the person changes, in turn
    texts: dict[str, str]  # their current text
    floor_answer_id: int


@dataclass
class Session:
    plan: ClientPlan
    http: HttpClient  # signed in
    bare: HttpClient  # no cookies: the floor's requests are anonymous
    tokens: dict[str, str] = field(default_factory=dict)
    saves: int = 0

    def next_change(self) -> tuple[str, str]:
        key = self.plan.keys[self.saves % len(self.plan.keys)]
        self.saves += 1
        # The text as it was, with the latest sentence typed: a real change every time.
        return key, f"{self.plan.texts[key]} Update {self.saves} of the draft."


def plan_clients(app) -> list[ClientPlan]:
    """Two people per State: the focal point works in pillar I, a contributor in pillar IV."""
    from survey.core.db import db
    from survey.responses.models import Answer, Response
    from survey.responses.services import outline_for
    from survey.states.models import State

    plans = []
    with app.app_context():
        for code in dataset.CLIENT_STATES:
            response = db.session.scalar(sa.select(Response).join(State).where(
                State.code == code))
            outline = outline_for(response)
            for role, pillar, nth in (("focal.point", "I", 0), ("contributor2", "IV", 1)):
                paragraph = [p for p in outline.sections_by_key[pillar].all_paragraphs()
                             if p.questions][nth + dataset.CLIENT_STATES.index(code)]
                number = paragraph.number
                keys = tuple(f"p{number}.{name}" for name in TEXT_FIELDS)
                rows = dict(db.session.execute(
                    sa.select(Answer.question_key, Answer.value).where(
                        Answer.response_id == response.id,
                        Answer.question_key.in_(keys))).all())
                floor_id = db.session.scalar(sa.select(Answer.id).where(
                    Answer.response_id == response.id,
                    Answer.question_key == f"p{number}.{FLOOR_FIELD}"))
                plans.append(ClientPlan(
                    email=dataset.email_of(role, code), response_id=response.id,
                    page=f"/responses/{response.id}/sections/{paragraph.section_key}",
                    keys=keys, texts={k: rows[k] for k in keys}, floor_answer_id=floor_id))
        db.session.remove()
    return plans


def open_editor(app, plan: ClientPlan) -> tuple[Any, dict[str, str], str]:
    """The client's person signed in with their page open, in process: the test client,
    the base token of each answer on the page, and the page's CSRF token."""
    client = signed_in_client(app, plan.email, dataset.PASSWORD)
    page = client.get(plan.page)
    html = page.get_data(as_text=True)
    page.close()
    return client, dict(_BASE.findall(html)), csrf_token(html)


def statements_per_save(app, plan: ClientPlan) -> list[str]:
    """The SQL statements of one autosave request, in process."""
    client, tokens, token = open_editor(app, plan)
    key = plan.keys[0]
    engine = app.extensions["survey.db"].engine
    with counting_statements(engine) as log:
        reply = client.post(f"/responses/{plan.response_id}/autosave", json={"changes": [
            {"key": key, "value": plan.texts[key] + " Counted.", "base": tokens[key]}]},
            headers={"X-CSRFToken": token})
        reply.close()
    if reply.status_code != 200:
        raise RuntimeError(f"autosave: HTTP {reply.status_code}")
    return log.statements


# --- the server ---------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    """``gunicorn --workers 2`` serving benchmarks.floor_app on a free local port."""

    def __init__(self, database_url: str, instance: Path, workers: int = WORKERS) -> None:
        self.port = free_port()
        self.workers = workers
        self.env = {**os.environ, "PYTHONPATH": str(dataset.ROOT),
                    "SURVEY_DATABASE_URL": database_url, "SURVEY_ENV": "production",
                    "SURVEY_SECRET_KEY": dataset.SECRET_KEY,
                    "SURVEY_INSTANCE_PATH": str(instance), "SURVEY_LOG_LEVEL": "WARNING"}
        # The server's messages go to a file: a pipe nobody reads would block it once full.
        self.log = instance / "gunicorn.log"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--workers", str(self.workers),
                 "--bind", f"127.0.0.1:{self.port}", "--chdir", str(dataset.ROOT),
                 "--log-level", "warning", "benchmarks.floor_app:create_app()"],
                env=self.env, stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn stopped:\n" + self.log.read_text()[-3000:])
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
            except OSError:
                time.sleep(0.2)
                continue
            if len(self.worker_pids()) == self.workers:
                return self
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not start within a minute")

    def worker_pids(self) -> list[int]:
        assert self.process is not None
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(p) for p in path.read_text().split()]
        except OSError:
            return []

    def __exit__(self, *exc: object) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time of these processes so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def database_backends(database: dataset.PostgresDatabase) -> list[int]:
    with database.admin.connect() as connection:
        return list(connection.execute(sa.text(
            "SELECT pid FROM pg_stat_activity WHERE datname = :name"),
            {"name": database.name}).scalars())


# --- the measurement ----------------------------------------------------------------------

@dataclass
class Phase:
    bursts: list[Burst] = field(default_factory=list)
    app_cpu_s: float = 0.0
    db_cpu_s: float = 0.0

    @property
    def requests(self) -> int:
        return sum(len(b.latencies) for b in self.bursts)

    def summary(self) -> dict[str, Any]:
        latencies = [x for b in self.bursts for x in b.latencies]
        seconds = sum(b.seconds for b in self.bursts)
        return {
            "throughput_median_rps": statistics.median(b.throughput for b in self.bursts),
            "throughput_rps_by_burst": [b.throughput for b in self.bursts],
            "requests": len(latencies),
            "failures": sum(len(b.failures) for b in self.bursts),
            "failure_examples": [f for b in self.bursts for f in b.failures][:5],
            "latency_median_s": statistics.median(latencies) if latencies else None,
            "latency_p95_s": percentile(latencies, 95),
            "client_cpu_share": sum(b.client_cpu_seconds for b in self.bursts) / seconds,
            "app_cpu_ms_per_request": 1000 * self.app_cpu_s / max(len(latencies), 1),
            "db_cpu_ms_per_request": 1000 * self.db_cpu_s / max(len(latencies), 1),
        }


def run(*, quick: bool, out: Callable[[str], None] = print) -> dict[str, Any]:
    reason = dataset.postgres_reachable()
    if reason is not None:
        server = sa.engine.make_url(dataset.POSTGRES_SERVER)
        return {"skipped": f"PostgreSQL is not reachable at {server.host}:{server.port} "
                           f"({reason})"}
    states = 50 if quick else 193
    rounds, seconds = (2, 3.0) if quick else (5, 5.0)
    with tempfile.TemporaryDirectory(prefix="autosave-bench-") as tmp, \
            dataset.PostgresDatabase(f"bench_{os.getpid()}") as database:
        out(f"autosave: loading the data set ({states} States) into PostgreSQL "
            f"database {database.name}")
        summary = dataset.build(database.url, states=states, out=lambda *_: None)
        instance = Path(tmp)
        app = dataset.make_app(database.url, instance)
        try:
            plans = plan_clients(app)
            statements = statements_per_save(app, plans[-1])
        finally:
            app.extensions["survey.db"].engine.dispose()
        with Gunicorn(database.url, instance) as server:
            sessions = []
            for plan in plans:
                http = HttpClient("127.0.0.1", server.port)
                http.sign_in(plan.email, dataset.PASSWORD)
                page = http.get_page(plan.page)
                sessions.append(Session(plan, http, HttpClient("127.0.0.1", server.port),
                                        dict(_BASE.findall(page))))
            product = [_autosave_worker(s) for s in sessions]
            floor = [_floor_worker(s) for s in sessions]
            out(f"autosave: {CLIENTS} clients, gunicorn with {WORKERS} workers, "
                f"{rounds} rounds of {seconds:g} s each, product then floor")
            run_burst(product, 1.0)  # warm-up: connections, caches, the outline
            run_burst(floor, 1.0)
            phases = {"product": Phase(), "floor": Phase()}
            for _round in range(rounds):
                for name, workers in (("product", product), ("floor", floor)):
                    pids = server.worker_pids()
                    backends = database_backends(database)
                    app_before, db_before = cpu_seconds(pids), cpu_seconds(backends)
                    phases[name].bursts.append(run_burst(workers, seconds))
                    phases[name].app_cpu_s += cpu_seconds(pids) - app_before
                    phases[name].db_cpu_s += cpu_seconds(database_backends(database)) \
                        - db_before
            for session in sessions:
                session.http.close()
                session.bare.close()
        result = {
            "clients": CLIENTS, "workers": WORKERS, "states": summary.states,
            "rounds": rounds, "burst_seconds": seconds,
            "postgres_version": database.server_version(),
            "statements_per_save": len(statements), "statement_list": statements,
            "product": phases["product"].summary(), "floor": phases["floor"].summary(),
        }
    result["ratio"] = (result["product"]["throughput_median_rps"]
                       / result["floor"]["throughput_median_rps"])
    return result


def _autosave_worker(session: Session) -> Callable[[], str | None]:
    url = f"/responses/{session.plan.response_id}/autosave"

    def save() -> str | None:
        key, value = session.next_change()
        status, body = session.http.post_json(url, {"changes": [
            {"key": key, "value": value, "base": session.tokens[key]}]})
        if status != 200:
            return f"HTTP {status}: {str(body)[:200]}"
        saved = body.get("saved", {})
        if key not in saved:
            return f"not saved: {body}"
        session.tokens[key] = saved[key]
        return None

    return save


def _floor_worker(session: Session) -> Callable[[], str | None]:
    url = f"/_benchmark/floor/{session.plan.floor_answer_id}"

    def update() -> str | None:
        _key, value = session.next_change()
        status, body = session.bare.post_json(url, {"value": value})
        return None if status == 204 else f"HTTP {status}: {str(body)[:200]}"

    return update


def in_process(*, states: int = 12, rounds: int = 6, saves: int = 200,
               out: Callable[[str], None] = print) -> dict[str, float]:
    """CPU per save in one process, no server: the product's autosave against the floor's
    endpoint, alternately, through the test client. Steadier than the load test for telling
    whether a change to the save path helped (``python -m benchmarks.autosave --in-process``)."""
    import gc

    from benchmarks.floor_app import add_floor

    with tempfile.TemporaryDirectory(prefix="autosave-cpu-") as tmp, \
            dataset.PostgresDatabase(f"bench_cpu_{os.getpid()}") as database:
        dataset.build(database.url, states=states, out=lambda *_: None)
        app = dataset.make_app(database.url, Path(tmp))
        add_floor(app)
        plan = plan_clients(app)[0]
        client, tokens, csrf = open_editor(app, plan)
        bare = app.test_client()
        key, count = plan.keys[0], iter(range(1, 10**9))

        def product() -> None:
            reply = client.post(f"/responses/{plan.response_id}/autosave", json={"changes": [
                {"key": key, "value": f"{plan.texts[key]} {next(count)}",
                 "base": tokens[key]}]}, headers={"X-CSRFToken": csrf})
            tokens[key] = reply.json["saved"][key]

        def floor() -> None:
            bare.post(f"/_benchmark/floor/{plan.floor_answer_id}",
                      json={"value": f"{plan.texts[key]} {next(count)}"}).close()

        cpu: dict[str, list[float]] = {"product": [], "floor": []}
        for _warm_up in range(50):
            product()
            floor()
        for _round in range(rounds):
            for name, call in (("product", product), ("floor", floor)):
                gc.collect()
                start = time.process_time()
                for _save in range(saves):
                    call()
                cpu[name].append((time.process_time() - start) / saves * 1000)
        app.extensions["survey.db"].engine.dispose()
    result = {name: statistics.median(times) for name, times in cpu.items()}
    out(f"CPU per request, median of {rounds} rounds of {saves}: product "
        f"{result['product']:.2f} ms, floor {result['floor']:.2f} ms")
    return result


if __name__ == "__main__":
    import json

    if "--in-process" in sys.argv:
        in_process()
    else:
        print(json.dumps(run(quick="--quick" in sys.argv), indent=1, default=str))
