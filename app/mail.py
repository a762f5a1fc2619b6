"""Outgoing e-mail: composed by the caller, sent by a background job (app/jobs.py)."""

import email.policy
import logging
import smtplib
from email.message import EmailMessage

from flask import current_app, render_template
from flask_babel import force_locale

from app import jobs

log = logging.getLogger(__name__)
LONG_HEADER_LINES = email.policy.default.clone(max_line_length=998)  # RFC 5322's limit


def send_mail(to: str, subject: str, body: str) -> None:
    """Send a plain-text e-mail in the background: the request never waits for SMTP."""
    jobs.enqueue(deliver_mail, to, subject, body)


def deliver_template(
    to: str, locale: str, subject, template: str, headers: dict[str, str] | None = None, **context
) -> None:
    """Deliver now (from a job) a mail whose subject (a lazy string) and body template are put in
    ``locale``: the language of the person who asked for it, not the worker's."""
    with force_locale(locale):
        subject, body = str(subject), render_template(template, **context)
    deliver_mail(to, subject, body, headers)


def deliver_mail(to: str, subject: str, body: str, headers: dict[str, str] | None = None) -> None:
    """The job: send by SMTP (an error is raised, so the queue retries); without SMTP, log it.

    ``headers``: more header fields, e.g. List-Unsubscribe (RFC 8058) on notifications.
    """
    config = current_app.config
    if to.endswith(".invalid"):  # a deleted account, or one a school platform made (RFC 2606)
        log.info("E-mail (%s) not sent: the account has no address.", subject)
        return
    # A header such as List-Unsubscribe holds one long URL: the default 78-character lines would
    # turn it into encoded words, which mail clients do not read as a link (RFC 2369: <URL>).
    message = EmailMessage(policy=LONG_HEADER_LINES if headers else email.policy.default)
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if not config.get("MAIL_SERVER"):
        if config["ENV_NAME"] == "production":
            # Never write a live reset link to production logs.
            log.error("No MAIL_SERVER configured: e-mail (%s) not sent.", subject)
        else:
            # The decoded text, not the quoted-printable wire form, so a link in it can be opened.
            log.warning(
                "No MAIL_SERVER configured; e-mail not sent:\nTo: %s\nSubject: %s\n\n%s",
                to,
                subject,
                message.get_content(),
            )
        if current_app.testing:
            current_app.extensions.setdefault("cadre_outbox", []).append(message)
        return
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=15) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(message)
