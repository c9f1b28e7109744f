"""A participant's data rights: correct contact details, leave the registry, delete the account.

Trial records (enrolments, observations, consent and withdrawal records) are kept on
deletion: they are pseudonymised by the trial participant code, and consent records are
append-only because they are the legal record of what the participant agreed to, as the
consent form explains. Only the identifiers on the account and registry profile go.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from livinglab.accounts.models import new_session_token
from livinglab.accounts.services import get_user_by_email, normalise_email
from livinglab.audit.services import record
from livinglab.errors import IllegalTransition, InvalidInput
from livinglab.participants.models import Participant
from livinglab.participants.services import check_postcode, deprivation_quintile

DELETED_NAME = "Deleted participant"
#: Profile fields that identify the participant (or only serve the registry); emptied.
IDENTIFYING_FIELDS = ("phone", "nhs_number")


def change_contact_details(
    session: Session, participant: Participant, *, email: str, postcode: str
) -> bool:
    """Change the participant's email address and postcode.

    A new postcode must still be in the Dorset catchment; its deprivation quintile is
    looked up again ("not known" when it is not in the lookup).

    A new email address must be confirmed again (a verification link is sent by the view).

    Returns:
        True when anything changed (and an audit event was written).

    Raises:
        InvalidInput: on ``email`` (another account has it) or ``postcode`` (not a real
            Dorset postcode).
    """
    user = participant.user
    new_email = normalise_email(email)
    new_postcode = check_postcode(session, postcode)
    if new_email != user.email:
        other = get_user_by_email(session, new_email)
        if other is not None and other.id != user.id:
            raise InvalidInput(
                "email", "Another account already uses this email address. Enter a different one"
            )
    old = {"email": user.email, "postcode": participant.postcode}
    new = {"email": new_email, "postcode": new_postcode}
    changed = {key for key in old if old[key] != new[key]}
    if not changed:
        return False
    user.email = new_email
    if "email" in changed:
        user.email_verified_at = None  # the new address is confirmed by its own link
    if "postcode" in changed:
        participant.postcode = new_postcode
        participant.deprivation_quintile = deprivation_quintile(session, new_postcode)
    session.flush()
    record(
        session,
        actor=user,
        action="participant.contact_changed",
        object_type="participant",
        object_id=participant.id,
        # Which details changed, not their values: the audit trail is permanent, and a
        # participant's contact details must go when they ask for their account to be deleted.
        new={"changed": sorted(changed)},
    )
    return True


def leave_registry(session: Session, participant: Participant) -> None:
    """Stop contact about other studies; trials already joined are not affected.

    Raises:
        IllegalTransition: the participant is not on the registry's contact list.
    """
    if not participant.registry_opt_in:
        raise IllegalTransition("You have already left the registry's contact list.")
    participant.registry_opt_in = False
    session.flush()
    record(
        session,
        actor=participant.user,
        action="participant.left_registry",
        object_type="participant",
        object_id=participant.id,
        old={"registry_opt_in": True},
        new={"registry_opt_in": False},
    )


def delete_account(session: Session, participant: Participant) -> None:
    """Remove the participant's identifiers and close their account for good.

    The name, email, password and session token are replaced; phone, NHS number and
    health conditions are removed; the postcode keeps only its area (e.g. ``BH``) and the
    date of birth only its year (as 1 January), so that age and area summaries of trials
    stay roughly right without identifying anyone. Sex, ethnic group and digital access
    are kept as anonymous characteristics. Trial records are not touched (see the module
    docstring). The audit event holds no personal data.
    """
    user = participant.user
    user.full_name = DELETED_NAME
    user.email = f"deleted-{user.id}@invalid"
    user.password_hash = None  # verify_password refuses every password for None
    user.session_token = new_session_token()
    user.is_active_account = False
    participant.postcode = participant.postcode_area
    participant.date_of_birth = dt.date(participant.date_of_birth.year, 1, 1)
    participant.registry_opt_in = False
    for name in IDENTIFYING_FIELDS:
        setattr(participant, name, None)
    # Health conditions are only held to match residents to studies.
    participant.conditions = []
    session.flush()
    record(
        session,
        actor=user,
        action="participant.deleted",
        object_type="participant",
        object_id=participant.id,
        new={"identifiers_removed": True},
    )
