"""Row counts shared by the consent-version service tests."""

from __future__ import annotations

from sqlalchemy import select

from livinglab.audit.models import AuditEvent
from tests.factories import count_rows as count
from trials.consent.models import ComprehensionQuestion, Consent, ConsentForm, ConsentStatement


def events(session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def writes(session) -> tuple[int, ...]:
    return tuple(
        count(session, model)
        for model in (ConsentForm, ConsentStatement, ComprehensionQuestion, Consent, AuditEvent)
    )
