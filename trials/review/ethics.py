"""Ethics and HRA references: recorded by research staff before recruitment may open."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy.orm import Session

from livinglab.accounts.models import User
from livinglab.audit.services import record
from livinglab.errors import IllegalTransition, InvalidInput, NotPermitted
from trials.permissions import is_site_researcher
from trials.proposals.models import Trial
from trials.states import TrialStatus

#: An IRAS project ID is a number of six or seven digits.
IRAS_ID = re.compile(r"\d{6,7}")
#: A REC reference: year, committee code and number, like ``24/SC/0123``.
REC_REFERENCE = re.compile(r"\d{2}/[A-Z]{2}/\d{4}")

#: States in which the references may be recorded or corrected.
EDITABLE = frozenset({TrialStatus.APPROVED, TrialStatus.RECRUITING})


def normalise_rec_reference(text: str) -> str:
    """``24/sc/0123 `` -> ``24/SC/0123``."""
    return text.strip().upper()


def has_ethics_approval(trial: Trial) -> bool:
    return bool(trial.iras_id and trial.rec_reference and trial.ethics_approved_on)


def require_ethics_approval(trial: Trial) -> None:
    """Refuse to open recruitment before the ethics references are recorded.

    Raises:
        IllegalTransition: one of the IRAS ID, REC reference or approval date is missing.
    """
    if not has_ethics_approval(trial):
        raise IllegalTransition(
            "Record the IRAS project ID, the REC reference and the date of the ethics "
            "approval before opening recruitment."
        )


def _check(iras_id: str, rec_reference: str, approved_on: dt.date | None, today: dt.date) -> None:
    if not IRAS_ID.fullmatch(iras_id):
        raise InvalidInput("iras_id", "IRAS project ID must be 6 or 7 digits, like 1234567")
    if not REC_REFERENCE.fullmatch(rec_reference):
        raise InvalidInput("rec_reference", "REC reference must look like 24/SC/0123")
    if approved_on is None:
        raise InvalidInput("approved_on", "Enter the date of the ethics approval")
    if approved_on > today:
        raise InvalidInput(
            "approved_on", "Date of the ethics approval must be today or in the past"
        )


def record_ethics(
    session: Session,
    trial: Trial,
    *,
    actor: User,
    iras_id: str,
    rec_reference: str,
    approved_on: dt.date | None,
    today: dt.date | None = None,
) -> Trial:
    """Record (or correct) the trial's IRAS ID, REC reference and approval date; audited.

    Raises:
        NotPermitted: the actor is not research staff at one of the trial's sites.
        IllegalTransition: the trial is not approved or recruiting.
        InvalidInput: ``iras_id``, ``rec_reference`` or ``approved_on`` with the wrong shape,
            or an approval date in the future.
    """
    if not is_site_researcher(actor, trial):
        raise NotPermitted("Only research staff at a site this trial runs at can record this.")
    if trial.status not in EDITABLE:
        raise IllegalTransition(
            "Ethics references can only be recorded once the trial is approved."
        )
    iras_id, rec_reference = iras_id.strip(), normalise_rec_reference(rec_reference)
    _check(iras_id, rec_reference, approved_on, today or dt.datetime.now(dt.UTC).date())
    old = {
        "iras_id": trial.iras_id,
        "rec_reference": trial.rec_reference,
        "ethics_approved_on": trial.ethics_approved_on,
    }
    new = {"iras_id": iras_id, "rec_reference": rec_reference, "ethics_approved_on": approved_on}
    if old == new:
        return trial
    trial.iras_id, trial.rec_reference, trial.ethics_approved_on = (
        iras_id,
        rec_reference,
        approved_on,
    )
    record(
        session,
        actor=actor,
        action="ethics.recorded",
        object_type="trial",
        object_id=trial.id,
        trial_id=trial.id,
        old={k: v for k, v in old.items() if new[k] != v},
        new={k: v for k, v in new.items() if old[k] != v},
    )
    session.flush()
    return trial
