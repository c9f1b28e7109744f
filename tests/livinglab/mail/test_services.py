"""The outbox: queueing, delivery through a sender, the SMTP sender and ``flask send-mail``."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib

import pytest
from sqlalchemy import select

from livinglab.mail.models import OutboxMessage
from livinglab.mail.services import (
    MAX_ATTEMPTS,
    SmtpSender,
    deliver_pending,
    queue_message,
)

NOW = dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.UTC)
ADDRESS = "jo.resident@example.test"
SECRET_BODY = "Your link: http://localhost/verify-email/abc"


class RecordingSender:
    def __init__(self, fail_with: Exception | None = None) -> None:
        self.sent: list[int] = []
        self.fail_with = fail_with

    def send(self, message: OutboxMessage) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.sent.append(message.id)


class FakeSMTP:
    """Stands in for ``smtplib.SMTP``; ``FakeSMTP.fail_with`` makes sending raise."""

    instances: list[FakeSMTP] = []
    fail_with: Exception | None = None

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.calls: list[str] = []
        self.messages: list = []
        FakeSMTP.instances.append(self)

    def __enter__(self) -> FakeSMTP:
        return self

    def __exit__(self, *exc: object) -> None:
        self.calls.append("quit")

    def starttls(self, context=None) -> None:
        self.calls.append("starttls")

    def login(self, username: str, password: str) -> None:
        self.calls.append(f"login:{username}")

    def send_message(self, message) -> None:
        if FakeSMTP.fail_with is not None:
            raise FakeSMTP.fail_with
        self.messages.append(message)


@pytest.fixture
def fake_smtp(monkeypatch):
    FakeSMTP.instances = []
    FakeSMTP.fail_with = None
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    return FakeSMTP


@pytest.fixture
def mail_config(app):
    app.config.update(
        MAIL_SERVER="smtp.example.test",
        MAIL_PORT=2525,
        MAIL_USE_TLS=True,
        MAIL_USERNAME="livinglab",
        MAIL_PASSWORD="smtp-secret",
        MAIL_DEFAULT_SENDER="Dorset Living Lab <no-reply@livinglab.example.test>",
    )
    return app.config


def _queue(session, subject: str = "Confirm your email address") -> OutboxMessage:
    return queue_message(session, to=ADDRESS, subject=subject, body=SECRET_BODY)


def test_queued_message_waits_unsent_in_the_callers_transaction(session):
    message = _queue(session)
    assert message.id is not None
    assert (message.sent_at, message.attempts, message.last_error) == (None, 0, None)
    session.rollback()
    assert session.scalars(select(OutboxMessage)).all() == []


@pytest.mark.parametrize(
    ("to", "subject"),
    [
        ("jo@example.test\r\nBcc: all@example.test", "Hello"),
        ("jo@example.test", "Hello\nBcc: all@example.test"),
        ("not an address", "Hello"),
    ],
)
def test_queue_refuses_header_injection_and_non_addresses(session, to, subject):
    with pytest.raises(ValueError):
        queue_message(session, to=to, subject=subject, body="Hi")
    assert session.scalars(select(OutboxMessage)).all() == []


def test_deliver_pending_sends_unsent_messages_once(session):
    first, second = _queue(session), _queue(session)
    sender = RecordingSender()
    report = deliver_pending(session, sender, now=NOW)
    assert (report.sent, report.failed) == (2, 0)
    assert sender.sent == [first.id, second.id]
    assert first.sent_at == NOW and first.attempts == 1 and first.last_error is None
    again = deliver_pending(session, sender, now=NOW)
    assert (again.sent, again.failed) == (0, 0)
    assert sender.sent == [first.id, second.id]


def test_failed_delivery_records_the_error_and_is_retried_until_the_limit(session):
    message = _queue(session)
    failing = RecordingSender(fail_with=ConnectionRefusedError(111, "Connection refused"))
    for attempt in range(1, MAX_ATTEMPTS + 1):
        report = deliver_pending(session, failing)
        assert (report.sent, report.failed) == (0, 1)
        assert message.attempts == attempt
    assert message.sent_at is None
    assert message.last_error.startswith("ConnectionRefusedError")
    assert deliver_pending(session, RecordingSender()).sent == 0  # left for a person now


def test_a_later_success_clears_the_error(session):
    message = _queue(session)
    deliver_pending(session, RecordingSender(fail_with=OSError("timed out")))
    deliver_pending(session, RecordingSender(), now=NOW)
    assert (message.sent_at, message.attempts, message.last_error) == (NOW, 2, None)


def test_smtp_sender_uses_the_mail_settings_and_marks_the_message_sent(
    session, mail_config, fake_smtp
):
    message = _queue(session)
    sender = SmtpSender.from_config(mail_config)
    assert "smtp-secret" not in repr(sender)
    report = deliver_pending(session, sender, now=NOW)
    assert report.sent == 1
    assert message.sent_at == NOW and message.attempts == 1
    (smtp,) = fake_smtp.instances
    assert (smtp.host, smtp.port) == ("smtp.example.test", 2525)
    assert smtp.calls == ["starttls", "login:livinglab", "quit"]
    (email,) = smtp.messages
    assert email["To"] == ADDRESS
    assert email["From"] == "Dorset Living Lab <no-reply@livinglab.example.test>"
    assert email["Subject"] == "Confirm your email address"
    assert email["Message-ID"].endswith("@livinglab.example.test>")
    assert email.get_content().strip() == SECRET_BODY


def test_smtp_sender_without_tls_or_login(session, mail_config, fake_smtp):
    mail_config.update(MAIL_USE_TLS=False, MAIL_USERNAME=None)
    _queue(session)
    deliver_pending(session, SmtpSender.from_config(mail_config))
    assert fake_smtp.instances[0].calls == ["quit"]


def test_smtp_failure_records_the_reply_but_not_the_refused_address(
    session, mail_config, fake_smtp, caplog
):
    refused = _queue(session)
    fake_smtp.fail_with = smtplib.SMTPRecipientsRefused({ADDRESS: (550, b"No such user")})
    with caplog.at_level(logging.DEBUG):
        report = deliver_pending(session, SmtpSender.from_config(mail_config))
    assert (report.sent, report.failed) == (0, 1)
    assert refused.sent_at is None and refused.attempts == 1
    assert refused.last_error == "SMTPRecipientsRefused: the server refused the recipient"
    assert ADDRESS not in caplog.text

    busy = _queue(session)
    fake_smtp.fail_with = smtplib.SMTPDataError(451, b"Try again later")
    deliver_pending(session, SmtpSender.from_config(mail_config))
    assert busy.last_error == "SMTPDataError: 451 Try again later"


def test_logs_never_hold_addresses_subjects_or_bodies(session, caplog):
    with caplog.at_level(logging.DEBUG):
        _queue(session, subject="Private subject")
        deliver_pending(session, RecordingSender())
        deliver_pending(session, RecordingSender(fail_with=OSError("down")))
    assert caplog.records
    for text in (ADDRESS, "Private subject", SECRET_BODY):
        assert text not in caplog.text


def test_no_mail_server_means_no_sender(app):
    assert SmtpSender.from_config(app.config) is None


def test_mail_server_without_a_from_address_is_refused(app):
    with pytest.raises(ValueError, match="MAIL_DEFAULT_SENDER"):
        SmtpSender.from_config({**app.config, "MAIL_SERVER": "smtp.example.test"})


def test_send_mail_command_leaves_messages_without_a_mail_server(app, session):
    _queue(session)
    session.commit()
    result = app.test_cli_runner().invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    assert "1 message(s) left in the outbox" in result.output
    session.expire_all()
    assert session.scalars(select(OutboxMessage.sent_at)).all() == [None]


def test_send_mail_command_delivers_with_a_mail_server(app, session, mail_config, fake_smtp):
    _queue(session)
    session.commit()
    result = app.test_cli_runner().invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    assert "Sent 1 message(s)" in result.output
    session.expire_all()
    assert session.scalars(select(OutboxMessage.sent_at)).one() is not None


def test_send_mail_command_fails_when_a_message_fails(app, session, mail_config, fake_smtp):
    _queue(session)
    session.commit()
    fake_smtp.fail_with = smtplib.SMTPServerDisconnected("gone")
    result = app.test_cli_runner().invoke(args=["send-mail"])
    assert result.exit_code == 1
    session.expire_all()
    assert session.scalars(select(OutboxMessage.attempts)).one() == 1
