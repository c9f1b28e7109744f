"""Builders shared by the consent-version tests: new versions and re-consent, via the services."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from livinglab.accounts.models import User
from livinglab.mail.models import OutboxMessage
from livinglab.participants.models import Participant
from tests import factories
from trials.consent import drafts
from trials.consent.models import Consent, ConsentChange, ConsentForm
from trials.consent.reconsent import sign_reconsent
from trials.consent.services import correct_answers, current_consent_form
from trials.consent.versions import approve_new_version, start_new_version
from trials.proposals.models import Trial
from trials.states import TrialStatus

MINOR, MAJOR = ConsentChange.MINOR, ConsentChange.MAJOR
NEW_RISK = "We added a blood test at the follow-up visit."


def running_trial(session, world, **kwargs) -> Trial:
    """A recruiting trial at both sites, committed, reloaded with its details."""
    trial = factories.make_trial(session, world, status=TrialStatus.RECRUITING, **kwargs)
    session.commit()
    return factories.reload_trial(session, trial.id)


def new_version(
    session,
    world,
    trial: Trial,
    kind: ConsentChange = MAJOR,
    summary: str = NEW_RISK,
    *,
    edit: Callable[[ConsentForm, User], object] | None = None,
    actor: User | None = None,
) -> ConsentForm:
    """Draft, optionally edit, and approve the next version; committed."""
    actor = actor or world.researcher_wfh
    trial = factories.reload_trial(session, trial.id)
    draft = start_new_version(session, trial, actor=actor)
    if edit is not None:
        edit(draft, actor)
    else:
        drafts.update_information_sheet(
            session, draft, actor=actor, text=f"{draft.information_sheet}\n\n{summary}"
        )
    approve_new_version(session, draft, actor=actor, change_kind=kind, change_summary=summary)
    session.commit()
    return draft


def reconsent(session, trial: Trial, participant: Participant) -> Consent:
    """The participant agrees to the current version: everything ticked and answered right."""
    form = current_consent_form(session, trial.id)
    consent = sign_reconsent(
        session,
        participant=participant,
        trial=trial,
        answers={s.id: True for s in form.statements},
        typed_name=participant.user.full_name,
        comprehension=correct_answers(form),
    )
    session.commit()
    return consent


def clear_outbox(session) -> None:
    """Forget email queued while arranging a test (e.g. review notices to the company)."""
    session.query(OutboxMessage).delete()
    session.commit()


def outbox(session) -> dict[str, OutboxMessage]:
    """Queued email by recipient address."""
    session.expire_all()
    return {m.to_address: m for m in session.scalars(select(OutboxMessage))}


def consent_rows(session) -> list[tuple]:
    """Every consent record as stored, to show that none is ever changed."""
    session.expire_all()
    rows = session.scalars(select(Consent).order_by(Consent.id))
    return [
        (c.id, c.kind, c.consent_form_id, c.answers, c.typed_name, c.signed_at, c.reference)
        for c in rows
    ]
