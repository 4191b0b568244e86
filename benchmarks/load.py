"""A small closed-loop load generator: N clients, each a thread with its own HTTP connection
and cookies, sending its next request as soon as the previous one is answered.

http.client keeps the connection open when the server allows it (gunicorn's sync workers do
not: they answer ``Connection: close``, and the client reconnects, as a browser would).
A thread costs the client process a few dozen microseconds of CPU per request; the
benchmark reports how much CPU the client used, since on a small machine it competes with
the server for the same cores.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class HttpClient:
    """One browser: a connection, its cookies, and the CSRF token its page carries."""

    def __init__(self, host: str, port: int) -> None:
        self.connection = http.client.HTTPConnection(host, port, timeout=60)
        self.cookies: dict[str, str] = {}
        self.csrf_token = ""

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            self.connection.request(method, path, body=body, headers=headers)
            reply = self.connection.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # The server closed an idle kept-alive connection: open a new one, once.
            self.connection.close()
            self.connection.request(method, path, body=body, headers=headers)
            reply = self.connection.getresponse()
        data = reply.read()
        for header in reply.headers.get_all("Set-Cookie") or ():
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return reply.status, data

    def get_page(self, path: str) -> str:
        status, data = self.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path}: HTTP {status}")
        page = data.decode()
        match = _CSRF.search(page)
        if match:
            self.csrf_token = match.group(1)
        return page

    def sign_in(self, email: str, password: str) -> None:
        self.get_page("/login")
        body = http_form({"email": email, "password": password, "csrf_token": self.csrf_token})
        status, _ = self.request("POST", "/login", body, {
            "Content-Type": "application/x-www-form-urlencoded"})
        if status != 302:
            raise RuntimeError(f"could not sign in as {email}: HTTP {status}")

    def post_json(self, path: str, payload: Any) -> tuple[int, Any]:
        status, data = self.request("POST", path, json.dumps(payload).encode(), {
            "Content-Type": "application/json", "Accept": "application/json",
            "X-CSRFToken": self.csrf_token})
        try:
            return status, json.loads(data) if data else None
        except ValueError:
            return status, data[:200]

    def close(self) -> None:
        self.connection.close()


def http_form(fields: dict[str, str]) -> bytes:
    from urllib.parse import urlencode

    return urlencode(fields).encode()


@dataclass
class Burst:
    """What one burst of load measured."""

    seconds: float
    latencies: list[float] = field(default_factory=list)  # of successful requests
    failures: list[str] = field(default_factory=list)
    client_cpu_seconds: float = 0.0

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds


def run_burst(workers: list[Callable[[], str | None]], seconds: float) -> Burst:
    """Run each worker in its own thread, over and over, for ``seconds``. A worker does one
    request and returns None, or a description of what went wrong."""
    stop = threading.Event()
    lock = threading.Lock()
    ready = threading.Barrier(len(workers) + 1)
    latencies: list[float] = []
    failures: list[str] = []

    def loop(worker: Callable[[], str | None]) -> None:
        mine: list[float] = []
        wrong: list[str] = []
        ready.wait()
        while not stop.is_set():
            start = time.perf_counter()
            try:
                problem = worker()
            except Exception as exc:  # a failed request is a result, not a crash
                problem = f"{type(exc).__name__}: {exc}"
            if problem is None:
                mine.append(time.perf_counter() - start)
            else:
                wrong.append(problem)
        with lock:
            latencies.extend(mine)
            failures.extend(wrong)

    threads = [threading.Thread(target=loop, args=(w,), daemon=True) for w in workers]
    for thread in threads:
        thread.start()
    cpu_before = time.process_time()
    ready.wait()
    began = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    burst = Burst(time.perf_counter() - began, latencies, failures)
    burst.client_cpu_seconds = time.process_time() - cpu_before
    return burst
