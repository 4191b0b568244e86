"""The app served for real: gunicorn in a process group of its own, on a database where
work is committed (the ``committed_app`` fixture's), on a free port of 127.0.0.1."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from flask import Flask

from survey import PROJECT_ROOT
from tests.conftest import TEST_SECRET_KEY


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _without_control_socket() -> list[str]:
    """Recent gunicorns open a control socket at one fixed path in the home folder; servers
    started side by side must not share it (older ones have none)."""
    from gunicorn.config import KNOWN_SETTINGS

    if any(setting.name == "control_socket_disable" for setting in KNOWN_SETTINGS):
        return ["--no-control-socket"]
    return []


class LiveServer:
    """gunicorn serving ``wsgi:app``; ``stop()`` ends it (and its workers)."""

    def __init__(self, app: Flask, folder: Path, *, env: Mapping[str, str] | None = None,
                 workers: int = 2, threads: int = 4, name: str = "server") -> None:
        url = app.extensions["survey.db"].engine.url.render_as_string(False)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        folder.mkdir(parents=True, exist_ok=True)
        environment = {key: value for key, value in os.environ.items()
                       if not key.startswith("SURVEY_")}
        environment.update({
            "SURVEY_DATABASE_URL": url, "SURVEY_SECRET_KEY": TEST_SECRET_KEY,
            "SURVEY_INSTANCE_PATH": str(folder), **(env or {})})
        self.log_path = folder / f"{name}.log"
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads",
             str(threads), "--worker-class", "gthread", "--timeout", "300",
             "--graceful-timeout", "5", "--bind", f"127.0.0.1:{self.port}",
             *_without_control_socket(), "wsgi:app"],
            cwd=PROJECT_ROOT, env=environment, stdout=self._log, stderr=self._log,
            start_new_session=True)
        self._wait_until_up()

    def _wait_until_up(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                urllib.request.urlopen(self.base_url + "/healthz", timeout=2).close()
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not start:\n" + self.log())

    def url(self, path: str) -> str:
        return self.base_url + path

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def worker_pids(self) -> set[int]:
        """The gunicorn workers now serving (the master's children)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return {int(pid) for pid in children.read_text().split()}

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)
        self._log.close()
