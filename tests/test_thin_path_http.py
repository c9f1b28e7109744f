"""The whole Living Lab journey over HTTP, each user in their own browser session.

A company proposes; research staff approve; twelve residents sign up and consent; staff
randomise them and record their outcomes; the evaluator locks, analyses and decides; the
company reads the decision. Every step is a real page and leaves its audit event.
"""

from __future__ import annotations

import random
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from livinglab.audit.models import AuditEvent
from livinglab.participants.models import Participant
from tests import factories
from tests.pages import text_of
from trials.enrolment.models import Enrolment
from trials.proposals.models import Trial
from trials.states import TrialStatus

RESIDENTS = 12


def signed_in(app: Flask, email: str, password: str = factories.PASSWORD) -> FlaskClient:
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, text_of(response)
    return client


def ok(response, status: int = 302):
    assert response.status_code == status, text_of(response)[:2000]
    return response


def company_proposes(app: Flask, world) -> int:
    company = signed_in(app, world.company.email)
    ok(
        company.post(
            "/products/new",
            data={
                "name": "SafeStep insole",
                "category": "device",
                "intended_use": "Warns people at risk of falls when their gait changes.",
                "stage": "prototype",
                "device_class": "class_i",
            },
        )
    )
    form = company.get("/proposals/new").get_data(as_text=True)
    product_id = re.search(r'value="(\d+)"[^>]*>\s*SafeStep insole', form).group(1)
    trial_id = factories.propose(
        company,
        product_id,
        title="SafeStep falls trial",
        summary="We want to find out whether SafeStep helps people walk steadily.",
        **{"arms-1-name": "SafeStep"},
        target_wfh="10",
        target_dor="10",
    )
    ok(company.post(f"/proposals/{trial_id}/submit"))
    return trial_id


def researcher_approves(app: Flask, world, trial_id: int) -> None:
    staff = signed_in(app, world.researcher_wfh.email)
    assert "SafeStep falls trial" in text_of(staff.get("/review/"))
    ok(staff.post(f"/review/trials/{trial_id}/start"))
    ok(staff.post(f"/review/trials/{trial_id}/checklist", data=factories.checklist_form_data()))
    review_page = staff.get(f"/review/trials/{trial_id}").get_data(as_text=True)
    consent_form = re.search(r'name="consent_form"[^>]*value="(\d+)"', review_page)
    assert consent_form, "the approve form offers the draft consent form"
    ok(
        staff.post(
            f"/review/trials/{trial_id}/approve",
            data={
                "approve_wfh": "y",
                "target_wfh": "10",
                "approve_dor": "y",
                "target_dor": "10",
                "consent_form": consent_form.group(1),
            },
        )
    )
    ok(staff.post(f"/review/trials/{trial_id}/ethics", data=factories.ETHICS_FORM_DATA))
    ok(staff.post(f"/review/trials/{trial_id}/open"))


def resident_joins_and_consents(app: Flask, session, trial_id: int, n: int) -> None:
    resident = app.test_client()
    email = f"joiner{n}@example.test"
    ok(
        resident.post(
            "/register",
            data={
                "full_name": f"Resident Number{n}",
                "email": email,
                "password": factories.PASSWORD + "-long",
                "confirm_password": factories.PASSWORD + "-long",
                "date_of_birth-day": "3",
                "date_of_birth-month": "4",
                "date_of_birth-year": str(1940 + n),
                "sex": "female",
                "postcode": "DT1 1AA" if n % 2 else "BH8 8DL",
                "contact_method": "email",
                "registry_opt_in": "y",
            },
        )
    )
    assert "SafeStep falls trial" in text_of(resident.get("/trials/"))
    ok(resident.get(f"/trials/{trial_id}"), 200)
    ok(resident.get(f"/trials/{trial_id}/consent"), 200)
    site = factories.site(session, "DOR" if n % 2 else "WFH")
    response = ok(
        resident.post(
            f"/trials/{trial_id}/consent",
            data=factories.consent_form_data(session, trial_id, site.id, f"Resident Number{n}"),
        )
    )
    confirmation = text_of(resident.get(response.headers["Location"]))
    assert re.search(r"DLL-[0-9A-F]{8}", confirmation)


def staff_randomise_and_record(app: Flask, world, session, trial_id: int) -> None:
    trial = factories.reload_trial(session, trial_id)
    visits = {v.code: v.id for v in trial.visits}
    rng = random.Random(3)
    staff = {
        world.wfh.id: signed_in(app, world.researcher_wfh.email),
        world.dor.id: signed_in(app, world.researcher_dor.email),
    }
    enrolments = session.scalars(select(Enrolment).where(Enrolment.trial_id == trial_id)).all()
    assert len(enrolments) == RESIDENTS
    for enrolment in enrolments:
        client = staff[enrolment.site_id]
        url = f"/enrolment/enrolments/{enrolment.id}"
        ok(client.post(f"{url}/randomise"))
        baseline = round(rng.uniform(10, 20), 1)
        ok(
            client.post(
                f"{url}/observations", data={"visit_id": visits["baseline"], "value": baseline}
            )
        )
    session.expire_all()
    for enrolment in session.scalars(select(Enrolment).where(Enrolment.trial_id == trial_id)):
        shift = -2.5 if enrolment.arm.name == "SafeStep" else 0.0
        value = round(rng.uniform(10, 20) + shift, 1)
        ok(
            staff[enrolment.site_id].post(
                f"/enrolment/enrolments/{enrolment.id}/observations",
                data={"visit_id": visits["follow_up"], "value": value},
            )
        )
    ok(staff[world.wfh.id].post(f"/review/trials/{trial_id}/close"))


def evaluator_decides(app: Flask, world, session, trial_id: int) -> str:
    evaluator = signed_in(app, world.evaluator.email)
    assert "Write the plan" in text_of(evaluator.get(f"/evaluation/trials/{trial_id}/plan"))
    trial = factories.reload_trial(session, trial_id)
    plan = {
        "control_arm_id": trial.control_arm.id,
        "population": "intention_to_treat",
        "missing_data": "complete_case",
        "multiplicity": "holm",
        "standard_errors": "classical",
        "covariates": ["baseline", "site"],
        f"measure_{trial.primary_measure.id}_analysis": "ancova",
        f"measure_{trial.primary_measure.id}_visit": "follow_up",
    }
    ok(evaluator.post(f"/evaluation/trials/{trial_id}/plan", data=plan))
    ok(evaluator.post(f"/evaluation/trials/{trial_id}/plan/lock"))
    ok(evaluator.post(f"/evaluation/trials/{trial_id}/lock", data={"reason": "Follow-up done."}))
    ok(evaluator.post(f"/evaluation/trials/{trial_id}/run"))
    page = text_of(evaluator.get(f"/evaluation/trials/{trial_id}"))
    assert "95% CI" in page
    ok(
        evaluator.post(
            f"/evaluation/trials/{trial_id}/decision",
            data={
                "outcome": "more_evidence_needed",
                "reasons": "Too few participants.",
                "nice_tier": "not_met",
                "certainty": "low",
                "public_summary": "Thank you. The trial was too small to tell.",
            },
        )
    )
    return page


def test_the_thin_path_over_http(app, world, session):
    trial_id = company_proposes(app, world)
    researcher_approves(app, world, trial_id)
    for n in range(RESIDENTS):
        resident_joins_and_consents(app, session, trial_id, n)
    staff_randomise_and_record(app, world, session, trial_id)
    evaluator_decides(app, world, session, trial_id)

    company = signed_in(app, world.company.email)
    progress = text_of(company.get(f"/proposals/{trial_id}"))
    results = text_of(ok(company.get(f"/evaluation/trials/{trial_id}/results"), 200))
    assert "More evidence needed" in results
    assert "Too few participants." in results
    names = session.scalars(select(Participant).join(Participant.user)).all()
    codes = session.scalars(select(Enrolment.participant_code)).all()
    for page in (progress, results):
        assert not any(p.user.full_name in page or p.postcode in page for p in names)
        assert not any(code in page for code in codes)
    other = signed_in(app, world.other_company.email)
    assert other.get(f"/evaluation/trials/{trial_id}/results").status_code == 404

    assert session.get(Trial, trial_id).status is TrialStatus.DECIDED
    actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.trial_id == trial_id)))
    assert {
        "trial.drafted",
        "trial.submitted",
        "trial.in_review",
        "trial.approved",
        "allocation_list.generated",
        "trial.recruiting",
        "consent.given",
        "enrolment.randomised",
        "observation.recorded",
        "trial.follow_up",
        "trial.locked",
        "analysis.run",
        "decision.recorded",
    } <= actions
