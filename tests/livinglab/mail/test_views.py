"""The development outbox page at /dev/outbox."""

from __future__ import annotations

import datetime as dt

from livinglab.mail.models import OutboxMessage

START = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def _store(session, count: int, **fields) -> None:
    for n in range(count):
        session.add(
            OutboxMessage(
                to_address=f"person{n}@example.test",
                subject=f"Message {n}",
                body_text=f"Hello {n}.\n\nOpen http://localhost/verify-email/token-{n}\n\nBye",
                created_at=START + dt.timedelta(minutes=n),
                **fields,
            )
        )
    session.commit()


def test_outbox_is_not_found_outside_development(client, session):
    _store(session, 1)
    response = client.get("/dev/outbox")
    assert response.status_code == 404
    assert b"Message 0" not in response.data


def test_outbox_is_off_in_production_and_on_in_development():
    from livinglab.config import DevelopmentConfig, ProductionConfig, TestingConfig

    assert DevelopmentConfig.MAIL_OUTBOX_VISIBLE is True
    assert ProductionConfig.MAIL_OUTBOX_VISIBLE is False
    assert TestingConfig.MAIL_OUTBOX_VISIBLE is False


def test_outbox_lists_messages_newest_first_with_clickable_links(app, client, session):
    app.config["MAIL_OUTBOX_VISIBLE"] = True
    _store(session, 2)
    response = client.get("/dev/outbox")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.index("Message 1") < page.index("Message 0")
    assert "person0@example.test" in page
    assert '<a href="http://localhost/verify-email/token-0"' in page
    assert "Not sent" in page


def test_outbox_is_paginated(app, client, session):
    app.config.update(MAIL_OUTBOX_VISIBLE=True, PAGE_SIZE=2)
    _store(session, 3)
    first = client.get("/dev/outbox").get_data(as_text=True)
    assert "Message 2" in first and "Message 1" in first and "Message 0" not in first
    assert "/dev/outbox?page=2" in first
    second = client.get("/dev/outbox?page=2").get_data(as_text=True)
    assert "Message 0" in second and "Message 2" not in second


def test_outbox_shows_sent_and_failed_states(app, client, session):
    app.config["MAIL_OUTBOX_VISIBLE"] = True
    _store(session, 1, sent_at=START, attempts=1)
    _store(session, 1, attempts=2, last_error="OSError: timed out")
    page = client.get("/dev/outbox").get_data(as_text=True)
    assert "Sent" in page
    assert "after 2 attempts: OSError: timed out" in page


def test_outbox_escapes_message_content(app, client, session):
    app.config["MAIL_OUTBOX_VISIBLE"] = True
    session.add(
        OutboxMessage(
            to_address="x@example.test",
            subject="<script>alert(1)</script>",
            body_text="<img src=x onerror=alert(1)>",
        )
    )
    session.commit()
    page = client.get("/dev/outbox").get_data(as_text=True)
    assert "<script>alert(1)" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;" in page
