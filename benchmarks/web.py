"""Pieces the in-process benchmarks share: a signed-in test client, a statement counter, and
the sections of the questionnaire by size."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
# Transaction control is not a query (and PostgreSQL's driver sends BEGIN unseen anyway).
_TRANSACTION = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.I)


def csrf_token(html: str) -> str:
    match = _CSRF.search(html)
    if match is None:
        raise RuntimeError("no CSRF token on the page")
    return match.group(1)


def signed_in_client(app: Flask, email: str, password: str) -> FlaskClient:
    """A test client signed in through the login form, as a browser would be."""
    client = app.test_client()
    page = client.get("/login")
    token = csrf_token(page.get_data(as_text=True))
    page.close()
    reply = client.post("/login", data={"email": email, "password": password,
                                        "csrf_token": token})
    reply.close()
    if reply.status_code != 302:
        raise RuntimeError(f"could not sign in as {email}: HTTP {reply.status_code}")
    return client


@dataclass
class StatementLog:
    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)

    def clear(self) -> None:
        self.statements.clear()


@contextmanager
def counting_statements(engine: sa.Engine) -> Iterator[StatementLog]:
    """Record every SQL statement sent through ``engine`` (transaction control aside)."""
    log = StatementLog()

    def record(_conn, _cursor, statement, _parameters, _context, _executemany) -> None:
        if not _TRANSACTION.match(statement):
            log.statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield log
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def sections_by_size(outline) -> list[tuple[str, int]]:
    """The answerable top-level sections as (key, number of questions), largest first."""
    sizes = [(s.key, sum(1 for _ in s.all_questions())) for s in outline.answerable_sections()]
    return sorted(sizes, key=lambda item: -item[1])
