"""Helpers shared by the consent-version page tests: URLs, form data and row counts."""

from __future__ import annotations

from livinglab.audit.models import AuditEvent
from livinglab.mail.models import OutboxMessage
from tests.factories import count_rows as count
from trials.consent.models import ComprehensionQuestion, ConsentForm, ConsentStatement


def writes(session) -> tuple[int, ...]:
    return tuple(
        count(session, model)
        for model in (
            ConsentForm,
            ConsentStatement,
            ComprehensionQuestion,
            AuditEvent,
            OutboxMessage,
        )
    )


def fresh(session, form_id: int) -> ConsentForm:
    session.expire_all()
    return session.get(ConsentForm, form_id)


def base(trial, draft=None) -> str:
    path = f"/trials/{trial.id}/consent-forms"
    return f"{path}/{draft.id}" if draft else path


EVERYTHING = {
    "information_sheet": "Changed",
    "text": "Changed",
    "requirement": "required",
    "options": "A\nB",
    "correct_option": "1",
    "explanation": "Because.",
    "direction": "down",
    "change_kind": "major",
    "change_summary": "Changed",
}
