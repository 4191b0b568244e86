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


def tell_each(people: Iterable[User], compose: Callable[[User], tuple[str, str]], *,
              about: str) -> int:
    """Mail each person what ``compose`` writes for them (subject, body), in their own
    language, where a mail server is configured; the number of mails sent. The mails share
    one connection to the server.

    Such a mail tells of something already done, which stands without it: a failure is
    logged (``about`` says what the mail was for) and the others are still sent."""
    if not mail_configured():
        return 0
    sent = 0
    with _Outbox() as outbox:
        for person in people:
            with force_locale(person.locale or "en"):
                subject, body = compose(person)
            try:
                outbox.send(person.email, subject, body)
            except (smtplib.SMTPException, OSError):
                log.exception("could not mail user %s about %s", person.id, about)
            else:
                sent += 1
    return sent
