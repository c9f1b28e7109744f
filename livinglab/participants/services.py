"""Resident sign-up to the volunteer registry."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy.orm import Session

from livinglab.accounts.models import User
from livinglab.accounts.roles import Role
from livinglab.accounts.services import create_user
from livinglab.audit.services import record
from livinglab.errors import InvalidInput
from livinglab.participants.models import Participant, Sex

#: UK postcode shape (outward code, then inward code), after normalising.
POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ([0-9][A-Z]{2})$")
#: Postcode areas in the Living Lab catchment.
DORSET_AREAS = ("BH", "DT")
MIN_AGE = 18


def normalise_postcode(raw: str) -> str:
    compact = re.sub(r"\s+", "", raw).upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def check_postcode(raw: str) -> str:
    """The normalised Dorset postcode, or InvalidInput on ``postcode``."""
    postcode = normalise_postcode(raw)
    match = POSTCODE.match(postcode)
    if not match:
        raise InvalidInput("postcode", "Enter a real postcode, like BH8 8DL")
    area = "".join(ch for ch in match.group(1) if ch.isalpha())[:2]
    if area not in DORSET_AREAS:
        raise InvalidInput(
            "postcode",
            "Enter a Dorset postcode: the registry is for people living in BH or DT postcodes",
        )
    return postcode


def register_participant(
    session: Session,
    *,
    full_name: str,
    email: str,
    password: str,
    date_of_birth: dt.date,
    sex: Sex,
    postcode: str,
    registry_opt_in: bool,
    today: dt.date | None = None,
) -> Participant:
    """Create a participant account and registry profile.

    Raises:
        InvalidInput: on ``email`` (already registered), ``date_of_birth`` (under 18 or
            in the future) or ``postcode`` (not a Dorset postcode).
    """
    today = today or dt.datetime.now(dt.UTC).date()
    normalised = check_postcode(postcode)
    age = (
        today.year
        - date_of_birth.year
        - ((today.month, today.day) < (date_of_birth.month, date_of_birth.day))
    )
    if date_of_birth >= today:
        raise InvalidInput("date_of_birth", "Date of birth must be in the past")
    if age < MIN_AGE:
        raise InvalidInput("date_of_birth", "You must be 18 or older to join the registry")
    if age > 120:
        raise InvalidInput("date_of_birth", "Date of birth must be a real date of birth")
    user: User = create_user(
        session, email=email, full_name=full_name, password=password, roles={Role.PARTICIPANT}
    )
    participant = Participant(
        user_id=user.id,
        date_of_birth=date_of_birth,
        sex=sex,
        postcode=normalised,
        deprivation_quintile=None,
        registry_opt_in=registry_opt_in,
    )
    session.add(participant)
    session.flush()
    record(
        session,
        actor=user,
        action="participant.registered",
        object_type="participant",
        object_id=participant.id,
        new={"registry_opt_in": registry_opt_in},
    )
    return participant
