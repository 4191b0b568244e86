"""Outgoing mail, when an SMTP server is configured."""

from __future__ import annotations

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
    settings = current_app.config["SURVEY"]
    message = EmailMessage()
    message["From"] = settings.MAIL_FROM
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(settings.SMTP_HOST, settings.SMTP_PORT, timeout=20) as smtp:
        if settings.SMTP_STARTTLS:
            smtp.starttls()
        if settings.SMTP_USERNAME:
            smtp.login(settings.SMTP_USERNAME, settings.SMTP_PASSWORD or "")
        smtp.send_message(message)


def tell_each(people: Iterable[User], compose: Callable[[User], tuple[str, str]], *,
              about: str) -> int:
    """Mail each person what ``compose`` writes for them (subject, body), in their own
    language, where a mail server is configured; the number of mails sent.

    Such a mail tells of something already done, which stands without it: a failure is
    logged (``about`` says what the mail was for) and the others are still sent."""
    if not mail_configured():
        return 0
    sent = 0
    for person in people:
        with force_locale(person.locale or "en"):
            subject, body = compose(person)
        try:
            send_mail(person.email, subject, body)
        except (smtplib.SMTPException, OSError):
            log.exception("could not mail user %s about %s", person.id, about)
        else:
            sent += 1
    return sent
