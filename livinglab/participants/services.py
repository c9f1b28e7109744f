"""Resident sign-up to the volunteer registry."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from livinglab.accounts.models import User
from livinglab.accounts.roles import Role
from livinglab.accounts.services import create_user
from livinglab.audit.services import record
from livinglab.db import utcnow
from livinglab.errors import IllegalTransition, InvalidInput
from livinglab.participants.ethnicity import ETHNIC_GROUPS
from livinglab.participants.models import (
    CatchmentArea,
    Condition,
    ContactMethod,
    DeprivationLookup,
    Participant,
    PossibleDuplicate,
    Sex,
    postcode_area,
)
from livinglab.participants.nhs_number import (
    NHS_NUMBER_MESSAGE,
    is_valid_nhs_number,
    normalise_nhs_number,
)

#: UK postcode shape (outward code, then inward code), after normalising.
POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ([0-9][A-Z]{2})$")
#: A UK phone number once spaces, brackets and dashes are gone and +44 is written as 0.
UK_PHONE = re.compile(r"^0[1-9][0-9]{8,9}$")
PHONE_MESSAGE = "Enter a UK phone number, like 01202 123456 or 07700 900982"
MIN_AGE = 18


@dataclass(frozen=True)
class DigitalAccess:
    has_smartphone: bool
    has_computer_or_tablet: bool
    has_home_internet: bool


@dataclass(frozen=True)
class RegistryProfile:
    """What a resident tells the registry beyond their account; every part is optional."""

    contact_method: ContactMethod = ContactMethod.EMAIL
    phone: str | None = None
    nhs_number: str | None = None
    condition_codes: Collection[str] = field(default_factory=frozenset)
    #: ``None`` when the resident did not answer the question.
    digital_access: DigitalAccess | None = None
    ethnic_group: str | None = None


def normalise_postcode(raw: str) -> str:
    compact = re.sub(r"\s+", "", raw).upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


def normalise_uk_phone(raw: str) -> str | None:
    """The number as digits starting 0 (``+44 (0)7700 900982`` -> ``07700900982``), or None."""
    compact = re.sub(r"[\s()\-.]", "", raw)
    for prefix in ("+44", "0044"):
        if compact.startswith(prefix):
            compact = "0" + compact[len(prefix) :].removeprefix("0")
    return compact if UK_PHONE.match(compact) else None


def is_in_catchment(session: Session, postcode: str) -> bool:
    """True when the postcode's outward district, or else its area, is listed and active."""
    outward = postcode.split(" ")[0]
    area = postcode_area(postcode)
    rows = dict(
        session.execute(
            select(CatchmentArea.code, CatchmentArea.is_active).where(
                CatchmentArea.code.in_((outward, area))
            )
        ).all()
    )
    if outward in rows:
        return rows[outward]
    return rows.get(area, False)


def check_postcode(session: Session, raw: str) -> str:
    """The normalised catchment postcode, or InvalidInput on ``postcode``."""
    postcode = normalise_postcode(raw)
    if not POSTCODE.match(postcode):
        raise InvalidInput("postcode", "Enter a real postcode, like BH8 8DL")
    if not is_in_catchment(session, postcode):
        raise InvalidInput(
            "postcode",
            "Enter a Dorset postcode: the registry is for people living in BH or DT postcodes",
        )
    return postcode


def check_date_of_birth(date_of_birth: dt.date, today: dt.date) -> None:
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


@dataclass(frozen=True)
class _CheckedProfile:
    phone: str | None
    nhs_number: str | None
    conditions: list[Condition]


def check_profile(session: Session, profile: RegistryProfile) -> _CheckedProfile:
    """The profile's values normalised, or InvalidInput naming the field at fault."""
    phone = normalise_uk_phone(profile.phone) if profile.phone else None
    if profile.phone and phone is None:
        raise InvalidInput("phone", PHONE_MESSAGE)
    if profile.contact_method is ContactMethod.PHONE and phone is None:
        raise InvalidInput("phone", "Enter your phone number, or choose another way to contact you")
    if profile.nhs_number and not is_valid_nhs_number(profile.nhs_number):
        raise InvalidInput("nhs_number", NHS_NUMBER_MESSAGE)
    if profile.ethnic_group is not None and profile.ethnic_group not in ETHNIC_GROUPS:
        raise InvalidInput("ethnic_group", "Select your ethnic group, or prefer not to say")
    conditions: list[Condition] = []
    if profile.condition_codes:
        codes = set(profile.condition_codes)
        conditions = list(
            session.scalars(select(Condition).where(Condition.code.in_(codes), Condition.is_active))
        )
        if len(conditions) != len(codes):
            raise InvalidInput("conditions", "Select conditions from the list")
    return _CheckedProfile(
        phone=phone,
        nhs_number=normalise_nhs_number(profile.nhs_number) if profile.nhs_number else None,
        conditions=conditions,
    )


def deprivation_quintile(session: Session, postcode: str) -> int | None:
    """The IMD quintile of a normalised postcode; ``None`` when it is not in the lookup."""
    return session.scalar(
        select(DeprivationLookup.imd_quintile).where(DeprivationLookup.postcode == postcode)
    )


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
    profile: RegistryProfile | None = None,
) -> Participant:
    """Create a participant account and registry profile.

    The deprivation quintile comes from the postcode lookup (``None`` when the postcode is
    not listed). A person with the same name, date of birth and postcode as an existing
    participant is registered but flagged to staff as a possible duplicate.

    Raises:
        InvalidInput: on ``email`` (already registered), ``date_of_birth`` (under 18 or
            in the future), ``postcode`` (not in the catchment), ``phone``,
            ``nhs_number``, ``ethnic_group`` or ``conditions``.
    """
    profile = profile or RegistryProfile()
    normalised = check_postcode(session, postcode)
    check_date_of_birth(date_of_birth, today or dt.datetime.now(dt.UTC).date())
    checked = check_profile(session, profile)
    user: User = create_user(
        session, email=email, full_name=full_name, password=password, roles={Role.PARTICIPANT}
    )
    access = profile.digital_access
    participant = Participant(
        user_id=user.id,
        date_of_birth=date_of_birth,
        sex=sex,
        postcode=normalised,
        deprivation_quintile=deprivation_quintile(session, normalised),
        registry_opt_in=registry_opt_in,
        contact_method=profile.contact_method,
        phone=checked.phone,
        nhs_number=checked.nhs_number,
        conditions=checked.conditions,
        has_smartphone=access.has_smartphone if access else None,
        has_computer_or_tablet=access.has_computer_or_tablet if access else None,
        has_home_internet=access.has_home_internet if access else None,
        ethnic_group=profile.ethnic_group,
    )
    session.add(participant)
    session.flush()
    record(
        session,
        actor=user,
        action="participant.registered",
        object_type="participant",
        object_id=participant.id,
        new={"registry_opt_in": registry_opt_in, "contact_method": profile.contact_method},
    )
    flag_possible_duplicates(session, participant, full_name=full_name)
    return participant


def name_key(full_name: str) -> str:
    """A name compared without case or spaces: ``"Pat  EXAMPLE"`` -> ``"patexample"``."""
    return "".join(full_name.split()).casefold()


def flag_possible_duplicates(
    session: Session, participant: Participant, *, full_name: str
) -> list[PossibleDuplicate]:
    """Flag earlier participants with the same name, date of birth and postcode."""
    candidates = session.scalars(
        select(Participant).where(
            Participant.date_of_birth == participant.date_of_birth,
            Participant.postcode == participant.postcode,
            Participant.id != participant.id,
        )
    )
    key = name_key(full_name)
    flags = [
        PossibleDuplicate(participant_id=participant.id, existing_participant_id=other.id)
        for other in candidates
        if name_key(other.user.full_name) == key
    ]
    session.add_all(flags)
    session.flush()
    for flag in flags:
        record(
            session,
            actor=None,
            action="participant.possible_duplicate",
            object_type="participant",
            object_id=participant.id,
            new={"existing_participant_id": flag.existing_participant_id, "flag_id": flag.id},
        )
    return flags


def resolve_possible_duplicate(
    session: Session, flag: PossibleDuplicate, *, actor: User
) -> PossibleDuplicate:
    """Record that staff have checked a possible duplicate."""
    if flag.resolved_at is not None:
        raise IllegalTransition("This possible duplicate has already been checked.")
    flag.resolved_at = utcnow()
    flag.resolved_by_id = actor.id
    session.flush()
    record(
        session,
        actor=actor,
        action="participant.possible_duplicate_resolved",
        object_type="participant",
        object_id=flag.participant_id,
        new={"flag_id": flag.id},
    )
    return flag
