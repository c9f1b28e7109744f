"""The demo accounts (a contract: README and the browser tests sign in with them)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from livinglab.accounts.models import User
from livinglab.accounts.roles import Role
from livinglab.accounts.services import create_user
from livinglab.organisations.models import Organisation
from livinglab.participants.models import Sex
from livinglab.participants.services import DigitalAccess, RegistryProfile, register_participant
from livinglab.sites.models import Site

DEMO_PASSWORD = "demo-password-1"  # noqa: S105 - documented development-only password
DEMO_ACCOUNTS = (
    ("admin@demo.test", "Alex Admin", {Role.ADMIN}),
    ("company@demo.test", "Casey Company", {Role.COMPANY}),
    ("company2@demo.test", "Charlie Company", {Role.COMPANY}),
    ("researcher@demo.test", "Robin Researcher", {Role.RESEARCHER}),
    ("researcher.dor@demo.test", "Rowan Researcher", {Role.RESEARCHER}),
    ("evaluator@demo.test", "Evie Evaluator", {Role.EVALUATOR}),
    ("participant@demo.test", "Pat Participant", {Role.PARTICIPANT}),
)


def demo_accounts(
    session: Session, wessex: Organisation, purbeck: Organisation, wfh: Site, dor: Site
) -> dict[str, User]:
    """Every demo account by email; Pat is a registry volunteer in BH8 with a smartphone."""
    users: dict[str, User] = {}
    for email, name, roles in DEMO_ACCOUNTS:
        if Role.PARTICIPANT in roles:
            participant = register_participant(
                session,
                full_name=name,
                email=email,
                password=DEMO_PASSWORD,
                date_of_birth=dt.date(1956, 3, 14),
                sex=Sex.FEMALE,
                postcode="BH8 8DL",
                registry_opt_in=True,
                profile=RegistryProfile(
                    condition_codes={"high_blood_pressure", "arthritis"},
                    digital_access=DigitalAccess(
                        has_smartphone=True, has_computer_or_tablet=True, has_home_internet=True
                    ),
                ),
            )
            users[email] = participant.user
            continue
        organisation = {"company@demo.test": wessex, "company2@demo.test": purbeck}.get(email)
        sites = {"researcher@demo.test": [wfh], "researcher.dor@demo.test": [dor]}.get(email)
        users[email] = create_user(
            session,
            email=email,
            full_name=name,
            password=DEMO_PASSWORD,
            roles=roles,
            organisation_id=organisation.id if organisation else None,
            sites=sites,
        )
    return users
