"""Outgoing mail, when an SMTP server is configured."""

from __future__ import annotations

import contextlib
import logging
import smtplib
from collections.abc import Callable, Iterable
from email.message import EmailMessage
from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import force_locale
from redis.exceptions import RedisError
from rq import Queue

from survey.core.queues import redis_connection

if TYPE_CHECKING:
    from survey.auth.models import User

log = logging.getLogger(__name__)


def mail_configured() -> bool:
    return bool(current_app.config["SURVEY"].SMTP_HOST)


def send_mail(to: str, subject: str, body: str) -> None:
    """Send a plain-text mail.

    :raises smtplib.SMTPException, OSError: the server refused it or could not be reached
    """
    with _Outbox() as outbox:
        outbox.send(to, subject, body)


class _Outbox:
    """One connection to the SMTP server for several mails: opened for the first, and again
    for the next mail after one failed."""

    def __init__(self) -> None:
        self._settings = current_app.config["SURVEY"]
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> _Outbox:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._close()

    def send(self, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"] = self._settings.MAIL_FROM
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        try:
            self._connected().send_message(message)
        except (smtplib.SMTPException, OSError):
            self._close()
            raise

    def _connected(self) -> smtplib.SMTP:
        if self._smtp is None:
            settings = self._settings
            smtp = smtplib.SMTP(settings.SMTP_HOST, settings.SMTP_PORT, timeout=20)
            try:
                if settings.SMTP_STARTTLS:
                    smtp.starttls()
                if settings.SMTP_USERNAME:
                    smtp.login(settings.SMTP_USERNAME, settings.SMTP_PASSWORD or "")
            except BaseException:
                smtp.close()
                raise
            self._smtp = smtp
        return self._smtp

    def _close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._smtp.close()
            self._smtp = None


# The RQ queue ``survey worker`` sends mail from, where Redis is configured.
MAIL_QUEUE = "mail"
MAIL_RESULT_TTL = 600  # seconds a finished job is remembered
MAIL_FAILURE_TTL = 7 * 24 * 3600  # a failed one: a week, to be looked into and requeued


def tell_each(people: Iterable[User], compose: Callable[[User], tuple[str, str]], *,
              about: str) -> int:
    """Mail each person what ``compose`` writes for them (subject, body), in their own
    language, where a mail server is configured; the number of mails sent, or handed to a
    worker.

    Such a mail tells of something already done, which stands without it. Where Redis is
    configured a worker (``survey worker``) sends them, so that no page waits on the mail
    server; otherwise they are sent now, over one connection. A mail the server refuses is
    logged (``about`` says what it was for) and the others are still sent."""
    if not mail_configured():
        return 0
    letters = []
    for person in people:
        with force_locale(person.locale or "en"):
            subject, body = compose(person)
        letters.append((person.id, person.email, subject, body))
    if not letters:
        return 0
    connection = redis_connection()
    if connection is not None:
        try:
            Queue(MAIL_QUEUE, connection=connection).enqueue(
                send_letters_job, letters, about, job_timeout=60 + 25 * len(letters),
                result_ttl=MAIL_RESULT_TTL, failure_ttl=MAIL_FAILURE_TTL,
                description=f"{len(letters)} mail(s) about {about}")
            return len(letters)
        except RedisError:
            log.exception("mail about %s: cannot reach Redis; sending now", about)
    return send_letters(letters, about)


def send_letters(letters: list[tuple[int, str, str, str]], about: str) -> int:
    """Send (user id, address, subject, body) letters over one connection; how many the
    server took (each refusal logged)."""
    sent = 0
    with _Outbox() as outbox:
        for user_id, address, subject, body in letters:
            try:
                outbox.send(address, subject, body)
            except (smtplib.SMTPException, OSError):
                log.exception("could not mail user %s about %s", user_id, about)
            else:
                sent += 1
    return sent


def send_letters_job(letters: list[tuple[int, str, str, str]], about: str) -> int:
    """The RQ job: send the letters. It fails (and stays among the failed jobs, to be
    requeued) when the server took none of them."""
    sent = send_letters(letters, about)
    if letters and not sent:
        raise RuntimeError(f"the mail server took none of the {len(letters)} mail(s) about "
                           f"{about}")
    return sent
