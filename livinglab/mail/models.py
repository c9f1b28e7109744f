"""The outbox: every email the service sends is stored here first."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from livinglab.db import utcnow
from livinglab.extensions import db


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body_text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    #: ``None`` until the mail server accepted the message.
    sent_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    #: Delivery attempts so far, successful or not.
    attempts: Mapped[int] = mapped_column(default=0)
    #: Why the latest attempt failed (exception type and the server's reply).
    last_error: Mapped[str | None] = mapped_column(Text)

    @property
    def is_sent(self) -> bool:
        return self.sent_at is not None

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id}>"
