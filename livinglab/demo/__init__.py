"""A believable Living Lab for development: organisations, trials at different stages, people.

Built through the same services the pages use, so every demo row has its audit event.
"""

from __future__ import annotations

import random

from sqlalchemy.orm import Session

from livinglab.accounts.services import get_user_by_email
from livinglab.demo import later_stages, operations, trials
from livinglab.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD, demo_accounts
from livinglab.organisations.models import Organisation
from livinglab.participants.deprivation import DEPRIVATION_SAMPLE, load_deprivation_csv
from livinglab.participants.reference_data import ensure_reference_data
from livinglab.products.models import (
    DeviceClass,
    DtacStatus,
    EsfTier,
    ProductCategory,
    ProductStage,
)
from livinglab.products.services import RegulatoryProfile, register_product
from livinglab.sites.services import ensure_default_sites
from trials.reference_data import ensure_ics_outcomes

__all__ = ["DEMO_ACCOUNTS", "DEMO_PASSWORD", "load_demo"]


def load_demo(session: Session) -> bool:
    """Create the demo data unless it is already there. Returns True if it created it."""
    if get_user_by_email(session, "admin@demo.test") is not None:
        return False
    rng = random.Random(trials.SEED)
    wfh, dor = ensure_default_sites(session)
    ensure_reference_data(session)
    ensure_ics_outcomes(session)
    load_deprivation_csv(session, DEPRIVATION_SAMPLE.read_text(encoding="utf-8"), None)
    wessex = Organisation(
        name="Wessex Wearables Ltd",
        companies_house_number="12345678",
        address="Unit 4, Dorset Innovation Park\nWinfrith Newburgh\nDorchester\nDT2 8ZB",
        contact_name="Casey Company",
        contact_email="company@demo.test",
        contact_phone="01202 960000",
    )
    purbeck = Organisation(
        name="Purbeck Digital Health Ltd",
        companies_house_number="SC123456",
        address="2 Station Road\nSwanage\nBH19 1AB",
        contact_name="Charlie Company",
        contact_email="company2@demo.test",
        contact_phone="01929 420000",
    )
    session.add_all([wessex, purbeck])
    session.flush()
    users = demo_accounts(session, wessex, purbeck, wfh, dor)

    stride = register_product(
        session,
        actor=users["company@demo.test"],
        name="StrideSense",
        category=ProductCategory.DIGITAL_HEALTH_APP,
        intended_use="A home strength and balance programme with a wearable sensor, to "
        "reduce falls in older adults.",
        regulatory_status="UKCA class I medical device",
        profile=RegulatoryProfile(
            stage=ProductStage.MARKED,
            device_class=DeviceClass.CLASS_I,
            dtac_status=DtacStatus.PASSED,
            esf_tier=EsfTier.TIER_C,
        ),
    )
    calm = register_product(
        session,
        actor=users["company2@demo.test"],
        name="CalmPath",
        category=ProductCategory.DIGITAL_HEALTH_APP,
        intended_use="Guided self-help for low mood and anxiety, based on CBT.",
        regulatory_status="UKCA class I medical device",
        profile=RegulatoryProfile(
            stage=ProductStage.MARKED,
            device_class=DeviceClass.CLASS_I,
            dtac_status=DtacStatus.IN_PROGRESS,
            esf_tier=EsfTier.TIER_C,
        ),
    )
    evaluated = trials.falls_trial(session, users, stride.id, wfh.id, dor.id)
    trials.run_falls_trial(session, rng, users, evaluated, wfh.id, dor.id)
    trials.calmpath_trials(session, users, calm.id, wfh.id, dor.id)
    trials.west_dorset_trial(session, users, stride.id, dor.id)
    trials.unfinished_draft(session, users, stride.id, wfh.id)
    jointwise = register_product(
        session,
        actor=users["company2@demo.test"],
        name="JointWise",
        category=ProductCategory.DIGITAL_HEALTH_APP,
        intended_use="Daily physiotherapy exercises and pain tracking for people with knee or "
        "hip arthritis.",
        regulatory_status="Not a medical device (wellbeing app)",
        profile=RegulatoryProfile(
            stage=ProductStage.PROTOTYPE,
            device_class=DeviceClass.NOT_A_DEVICE,
            dtac_status=DtacStatus.NOT_STARTED,
            esf_tier=EsfTier.TIER_B,
        ),
    )
    later_stages.jointwise_trial(session, users, jointwise.id, wfh.id)
    later_stages.decided_pilot(session, rng, users, stride.id, wfh.id)
    later_stages.three_arm_draft(session, users, stride.id, wfh.id)
    later_stages.adverse_events(session, users, evaluated, wfh.id)
    operations.set_trial_leads(session, users)
    operations.follow_up_timeline(session, users, wfh.id, dor.id)
    operations.minimisation_trial(session, users, calm.id, wfh.id, dor.id)
    operations.invitations(session, users, wfh.id)
    session.flush()
    return True
