"""Queueing email in the outbox and delivering it over SMTP.

Messages are written in the caller's transaction, so an email exists only if the change
that caused it was committed. ``flask send-mail`` delivers them later. Logs name message
ids only: never an address, a subject or a body.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any, Protocol

from flask import current_app, has_request_context, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from livinglab.db import utcnow
from livinglab.mail.models import OutboxMessage

logger = logging.getLogger(__name__)

#: A message that failed this many times is left for a person to look at.
MAX_ATTEMPTS = 5
MAX_ERROR_LENGTH = 500


class Sender(Protocol):
    """Something that hands one message to a mail server, raising if it cannot."""

    def send(self, message: OutboxMessage) -> None: ...


@dataclass(frozen=True)
class DeliveryReport:
    sent: int
    failed: int


def email_link(endpoint: str, **values: Any) -> str:
    """A link for an email: absolute in a request (or with SERVER_NAME); without either
    (the demo loader, CLI commands) only the path can be known."""
    if has_request_context() or current_app.config.get("SERVER_NAME"):
        return url_for(endpoint, _external=True, **values)
    return current_app.url_map.bind("localhost").build(endpoint, values)


def queue_message(session: Session, *, to: str, subject: str, body: str) -> OutboxMessage:
    """Add a message to the outbox in the caller's transaction (flushed, not committed).

    Raises:
        ValueError: when ``to`` or ``subject`` holds a line break (header injection) or
            ``to`` is not an address.
    """
    if any(c in to + subject for c in "\r\n"):
        raise ValueError("Email headers cannot contain line breaks.")
    if "@" not in parseaddr(to)[1]:
        raise ValueError("The recipient is not an email address.")
    message = OutboxMessage(to_address=to.strip(), subject=subject.strip(), body_text=body)
    session.add(message)
    session.flush()
    logger.info("Queued outbox message %s", message.id)
    return message


def query_pending(limit: int) -> Any:
    """Unsent messages still worth trying, oldest first, locked so two senders never share one."""
    return (
        select(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts < MAX_ATTEMPTS)
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


def count_pending(session: Session) -> int:
    return session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
    )


def deliver_pending(
    session: Session, sender: Sender, *, limit: int = 100, now: dt.datetime | None = None
) -> DeliveryReport:
    """Send up to ``limit`` unsent messages through ``sender``.

    A success sets ``sent_at``; a failure records ``last_error``. Either way ``attempts``
    goes up by one. Changes are flushed; the caller commits.
    """
    sent = failed = 0
    for message in session.scalars(query_pending(limit)):
        message.attempts += 1
        try:
            sender.send(message)
        except Exception as error:  # one bad message must not stop the rest
            message.last_error = describe_error(error)
            failed += 1
            logger.warning("Could not send outbox message %s: %s", message.id, type(error).__name__)
        else:
            message.sent_at = now or utcnow()
            message.last_error = None
            sent += 1
        session.flush()
    return DeliveryReport(sent=sent, failed=failed)


def describe_error(error: BaseException) -> str:
    """What went wrong, for the outbox row; recipients the server refused are not listed."""
    name = type(error).__name__
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        text = f"{name}: the server refused the recipient"
    elif isinstance(error, smtplib.SMTPResponseException):
        reply = error.smtp_error
        reply_text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
        text = f"{name}: {error.smtp_code} {reply_text}"
    else:
        text = f"{name}: {error}"
    return text[:MAX_ERROR_LENGTH]


@dataclass(frozen=True)
class SmtpSender:
    """Sends each message over its own SMTP connection (STARTTLS unless turned off)."""

    host: str
    port: int
    default_sender: str
    use_tls: bool = True
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SmtpSender | None:
        """The sender the app's ``MAIL_*`` settings describe, or ``None`` without MAIL_SERVER.

        Raises:
            ValueError: when MAIL_SERVER is set but MAIL_DEFAULT_SENDER is not.
        """
        if not config.get("MAIL_SERVER"):
            return None
        if not config.get("MAIL_DEFAULT_SENDER"):
            raise ValueError("MAIL_SERVER is set, so MAIL_DEFAULT_SENDER must be set too.")
        return cls(
            host=config["MAIL_SERVER"],
            port=int(config.get("MAIL_PORT") or 587),
            default_sender=config["MAIL_DEFAULT_SENDER"],
            use_tls=bool(config.get("MAIL_USE_TLS", True)),
            username=config.get("MAIL_USERNAME") or None,
            password=config.get("MAIL_PASSWORD") or None,
        )

    def build(self, message: OutboxMessage) -> EmailMessage:
        email = EmailMessage()
        email["From"] = self.default_sender
        email["To"] = message.to_address
        email["Subject"] = message.subject
        email["Date"] = formatdate(usegmt=True)
        domain = parseaddr(self.default_sender)[1].rpartition("@")[2] or None
        email["Message-ID"] = make_msgid(domain=domain)
        email.set_content(message.body_text)
        return email

    def send(self, message: OutboxMessage) -> None:
        email = self.build(message)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.use_tls:
                smtp.starttls(context=ssl.create_default_context())
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(email)
