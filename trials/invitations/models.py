"""An invitation from research staff to one registry volunteer for one trial."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from livinglab.db import enum_column, utcnow
from livinglab.extensions import db
from livinglab.participants.models import Participant
from livinglab.sites.models import Site


class InvitationStatus(enum.StrEnum):
    INVITED = "invited"
    INTERESTED = "interested"
    DECLINED = "declined"
    #: Closed by staff or because recruitment closed before the volunteer answered.
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


#: Invitations that still hold the volunteer for the trial.
OPEN_INVITATIONS = frozenset({InvitationStatus.INVITED, InvitationStatus.INTERESTED})


class Invitation(db.Model):
    __tablename__ = "invitations"
    __table_args__ = (
        UniqueConstraint("trial_id", "participant_id"),
        Index("ix_invitations_participant_status", "participant_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trial_id: Mapped[int] = mapped_column(ForeignKey("trials.id"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    status: Mapped[InvitationStatus] = mapped_column(
        enum_column(InvitationStatus, 20), default=InvitationStatus.INVITED
    )
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    invited_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    responded_at: Mapped[dt.datetime | None]
    #: Why staff invited a volunteer already invited to, or taking part in, another trial.
    override_reason: Mapped[str | None] = mapped_column(Text)

    participant: Mapped[Participant] = relationship(lazy="raise")
    site: Mapped[Site] = relationship(lazy="joined")
