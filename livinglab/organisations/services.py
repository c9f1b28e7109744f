"""Organisation use cases: register a company with its first user, change its details."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from livinglab.accounts.models import User
from livinglab.accounts.roles import Role
from livinglab.accounts.services import create_user, get_user_by_email, normalise_email
from livinglab.audit.services import record
from livinglab.errors import InvalidInput, NotPermitted
from livinglab.organisations.companies_house import (
    COMPANY_NUMBER_MESSAGE,
    normalise_company_number,
)
from livinglab.organisations.models import Organisation
from livinglab.participants.services import PHONE_MESSAGE, normalise_uk_phone

NAME_TAKEN = (
    "An organisation with this name is already registered. If you work there, ask a "
    "colleague to invite you"
)
EMAIL_TAKEN = "An account with this email address already exists"


@dataclass(frozen=True)
class OrganisationContact:
    """The details members may change: where the organisation is and whom to contact."""

    address: str
    contact_name: str
    contact_email: str
    contact_phone: str


@dataclass(frozen=True)
class FirstUser:
    """The person registering the organisation; they become its first member."""

    full_name: str
    email: str
    password: str


def get_organisation_by_name(session: Session, name: str) -> Organisation | None:
    """The organisation with this name, ignoring case and surrounding spaces."""
    return session.scalar(
        select(Organisation).where(func.lower(Organisation.name) == name.strip().lower())
    )


def _checked_contact(contact: OrganisationContact) -> dict[str, str]:
    """The contact details cleaned for storage, or InvalidInput naming the field."""
    phone = normalise_uk_phone(contact.contact_phone)
    if phone is None:
        raise InvalidInput("contact_phone", PHONE_MESSAGE)
    return {
        "address": contact.address.strip(),
        "contact_name": contact.contact_name.strip(),
        "contact_email": normalise_email(contact.contact_email),
        "contact_phone": phone,
    }


def check_registration(
    session: Session, *, name: str, companies_house_number: str | None, email: str
) -> str | None:
    """The normalised Companies House number, once the name and email are known to be free.

    Raises:
        InvalidInput: on ``name`` (taken), ``companies_house_number`` (wrong shape) or
            ``email`` (an account already uses it).
    """
    if get_organisation_by_name(session, name) is not None:
        raise InvalidInput("name", NAME_TAKEN)
    number = None
    if companies_house_number and companies_house_number.strip():
        number = normalise_company_number(companies_house_number)
        if number is None:
            raise InvalidInput("companies_house_number", COMPANY_NUMBER_MESSAGE)
    if get_user_by_email(session, email) is not None:
        raise InvalidInput("email", EMAIL_TAKEN)
    return number


def register_organisation(
    session: Session,
    *,
    name: str,
    companies_house_number: str | None,
    contact: OrganisationContact,
    first_user: FirstUser,
) -> User:
    """Create an organisation and its first company user, in the caller's transaction.

    Returns the new user (``user.organisation`` is the new organisation). Their email is
    not yet verified: the caller sends the verification link.

    Raises:
        InvalidInput: on ``name``, ``companies_house_number``, ``contact_phone`` or
            ``email``; nothing is written.
    """
    number = check_registration(
        session, name=name, companies_house_number=companies_house_number, email=first_user.email
    )
    details = _checked_contact(contact)
    organisation = Organisation(name=name.strip(), companies_house_number=number, **details)
    session.add(organisation)
    session.flush()
    user = create_user(
        session,
        email=first_user.email,
        full_name=first_user.full_name,
        password=first_user.password,
        roles={Role.COMPANY},
        organisation_id=organisation.id,
    )
    user.organisation = organisation
    record(
        session,
        actor=user,
        action="organisation.registered",
        object_type="organisation",
        object_id=organisation.id,
        new={"name": organisation.name, "companies_house_number": number, **details},
    )
    return user


def require_member(actor: User, organisation: Organisation) -> None:
    """Raises NotPermitted unless ``actor`` is a company user of ``organisation``."""
    if not (actor.has_role(Role.COMPANY) and actor.organisation_id == organisation.id):
        raise NotPermitted("Only members of the organisation can do this.")


def update_contact(
    session: Session, organisation: Organisation, *, actor: User, contact: OrganisationContact
) -> Organisation:
    """Change the address and contact details; audited with the old and new values.

    Raises:
        NotPermitted: the actor is not a member.
        InvalidInput: on ``contact_phone``.
    """
    require_member(actor, organisation)
    details = _checked_contact(contact)
    old = {key: getattr(organisation, key) for key in details}
    changed = {key: value for key, value in details.items() if old[key] != value}
    if not changed:
        return organisation
    for key, value in changed.items():
        setattr(organisation, key, value)
    session.flush()
    record(
        session,
        actor=actor,
        action="organisation.details_changed",
        object_type="organisation",
        object_id=organisation.id,
        old={key: old[key] for key in changed},
        new=changed,
    )
    return organisation
