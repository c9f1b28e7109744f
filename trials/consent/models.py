"""Consent as data: versioned consent forms and append-only consent records."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from livinglab.db import enum_column, make_append_only, utcnow
from livinglab.extensions import db


class ConsentFormStatus(enum.StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    SUPERSEDED = "superseded"


class ConsentChange(enum.StrEnum):
    """How much a new approved version changes what participants agreed to."""

    #: Typo, contact details: participants are told; nothing blocks them.
    MINOR = "minor"
    #: New risk or procedure: participants on older versions must re-consent (or decline)
    #: before any new study activity.
    MAJOR = "major"

    @property
    def label(self) -> str:
        return {ConsentChange.MINOR: "Minor change", ConsentChange.MAJOR: "Major change"}[self]


class ConsentForm(db.Model):
    """One version of a trial's participant information sheet and consent statements."""

    __tablename__ = "consent_forms"
    __table_args__ = (UniqueConstraint("trial_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trial_id: Mapped[int] = mapped_column(ForeignKey("trials.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    status: Mapped[ConsentFormStatus] = mapped_column(
        enum_column(ConsentFormStatus, 20), default=ConsentFormStatus.DRAFT
    )
    #: The participant information sheet, plain text paragraphs.
    information_sheet: Mapped[str] = mapped_column(Text)
    approved_at: Mapped[dt.datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Set on versions after the first when they are approved.
    change_kind: Mapped[ConsentChange | None] = mapped_column(enum_column(ConsentChange, 10))
    #: What changed since the previous version, in plain words for participants.
    change_summary: Mapped[str] = mapped_column(Text, default="", server_default="")

    statements: Mapped[list[ConsentStatement]] = relationship(
        cascade="all, delete-orphan", order_by="ConsentStatement.position", lazy="selectin"
    )
    questions: Mapped[list[ComprehensionQuestion]] = relationship(
        cascade="all, delete-orphan", order_by="ComprehensionQuestion.position", lazy="selectin"
    )


class ConsentStatement(db.Model):
    __tablename__ = "consent_statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    consent_form_id: Mapped[int] = mapped_column(
        ForeignKey("consent_forms.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    #: Required statements must be agreed to take part; optional ones are a free choice.
    is_required: Mapped[bool] = mapped_column(default=True)


class ComprehensionQuestion(db.Model):
    """A check that the participant understood a key point before they can consent."""

    __tablename__ = "comprehension_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    consent_form_id: Mapped[int] = mapped_column(
        ForeignKey("consent_forms.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    #: The answers offered, in order.
    options: Mapped[list[str]] = mapped_column(JSON)
    #: Index into ``options`` of the right answer.
    correct_option: Mapped[int]
    #: Shown when the answer is wrong, so the participant learns the point.
    explanation: Mapped[str] = mapped_column(Text)


class ConsentKind(enum.StrEnum):
    CONSENT = "consent"
    WITHDRAWAL = "withdrawal"


class WithdrawalScope(enum.StrEnum):
    """What a participant stops when they withdraw from a trial."""

    #: No more visits or data collection; the data collected so far are still used.
    STOP_TAKING_PART = "stop_taking_part"
    #: As above, and their data are left out of the analysis (only before the data lock).
    STOP_DATA_USE = "stop_data_use"


class Consent(db.Model):
    """A signed consent or a withdrawal. Never updated or deleted: a change is a new row."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Reference shown to the participant on the confirmation page and their copy.
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    trial_id: Mapped[int] = mapped_column(ForeignKey("trials.id"), index=True)
    consent_form_id: Mapped[int] = mapped_column(ForeignKey("consent_forms.id"))
    kind: Mapped[ConsentKind] = mapped_column(enum_column(ConsentKind, 20))
    #: Statement id (as text) -> True/False, exactly as answered.
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: Full name typed by the participant as their signature.
    typed_name: Mapped[str] = mapped_column(String(200))
    #: Server time of signing.
    signed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: Question id (as text) -> the option chosen; all were right, or there was no consent.
    comprehension_answers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: Set on withdrawal rows only: what the participant chose to stop.
    withdrawal_scope: Mapped[WithdrawalScope | None] = mapped_column(
        enum_column(WithdrawalScope, 20)
    )

    consent_form: Mapped[ConsentForm] = relationship(lazy="joined")


make_append_only(Consent)
