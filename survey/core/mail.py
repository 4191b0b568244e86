"""Outgoing mail, when an SMTP server is configured."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app


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
