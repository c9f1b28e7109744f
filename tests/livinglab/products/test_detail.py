"""One product's page and its edit form: members of the owning organisation only."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from livinglab.audit.models import AuditEvent
from livinglab.products.models import DeviceClass, EsfTier, Product, ProductCategory, ProductStage
from livinglab.products.services import RegulatoryProfile, register_product
from tests import factories
from tests.factories import count_rows
from tests.pages import text_of

EDIT = {
    "name": "StrideSense 2",
    "category": "digital_health_app",
    "intended_use": "A home strength and balance programme.",
    "stage": "marked",
    "device_class": "class_iia",
    "dtac_status": "passed",
    "esf_tier": "tier_c",
    "regulatory_status": "",
}


@pytest.fixture
def product(world, session) -> Product:
    product = register_product(
        session,
        actor=world.company,
        name="StrideSense",
        category=ProductCategory.DIGITAL_HEALTH_APP,
        intended_use="A home strength and balance programme.",
        regulatory_status="UKCA class I",
        profile=RegulatoryProfile(
            stage=ProductStage.PROTOTYPE,
            device_class=DeviceClass.CLASS_I,
            esf_tier=EsfTier.TIER_B,
        ),
    )
    session.commit()
    return product


def test_members_see_the_product_and_its_profile(client, world, login_as, product):
    login_as(world.company)
    response = client.get(f"/products/{product.id}")
    assert response.status_code == 200
    page = text_of(response)
    for text in (
        "StrideSense",
        "Digital health app",
        "Prototype",
        "Class I",
        "Tier B (communicating about health)",
        "UKCA class I",
        "No evidence uploaded yet",
        "Upload a file",
    ):
        assert text in page
    assert f'href="/products/{product.id}/edit"' in response.get_data(as_text=True)


def test_a_product_without_a_profile_shows_not_given(client, world, login_as, session):
    product = factories.make_product(session, world.company)
    session.commit()
    login_as(world.company)
    page = text_of(client.get(f"/products/{product.id}"))
    assert page.count("Not given") == 5


def test_members_change_a_product_and_the_change_is_audited(
    client, world, login_as, session, product
):
    login_as(world.company)
    form = client.get(f"/products/{product.id}/edit")
    assert form.status_code == 200
    assert 'value="StrideSense"' in form.get_data(as_text=True)
    assert 'value="prototype" checked' in form.get_data(as_text=True)
    response = client.post(f"/products/{product.id}/edit", data=EDIT)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/products/{product.id}"
    session.expire_all()
    changed = session.get(Product, product.id)
    assert changed.name == "StrideSense 2"
    assert changed.stage is ProductStage.MARKED
    assert changed.esf_tier is EsfTier.TIER_C
    assert changed.regulatory_status is None
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "product.updated")).one()
    assert event.actor_id == world.company.id
    assert event.old_value == {
        "name": "StrideSense",
        "stage": "prototype",
        "device_class": "class_i",
        "dtac_status": None,
        "esf_tier": "tier_b",
        "regulatory_status": "UKCA class I",
    }
    assert event.new_value["esf_tier"] == "tier_c"
    assert "Product details saved" in text_of(client.get(f"/products/{product.id}"))


def test_saving_without_changes_writes_no_audit_event(client, world, login_as, session, product):
    login_as(world.company)
    same = {**EDIT, "name": "StrideSense", "stage": "prototype", "device_class": "class_i"}
    same |= {"dtac_status": "", "esf_tier": "tier_b", "regulatory_status": "UKCA class I"}
    assert client.post(f"/products/{product.id}/edit", data=same).status_code == 302
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "product.updated")) is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Enter the product's name"),
        ("stage", "", "Select how far along the product is"),
        ("esf_tier", "", "digital health apps need one"),
    ],
)
def test_bad_changes_are_refused_and_nothing_changes(
    client, world, login_as, session, product, field, value, message
):
    login_as(world.company)
    events = count_rows(session, AuditEvent)
    response = client.post(f"/products/{product.id}/edit", data={**EDIT, field: value})
    assert response.status_code == 422
    assert message in text_of(response)
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert count_rows(session, AuditEvent) == events
    session.expire_all()
    assert session.get(Product, product.id).name == "StrideSense"


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", ""), ("get", "/edit"), ("post", "/edit")],
)
@pytest.mark.parametrize("whose", ["other organisation", "missing"])
def test_another_organisations_product_is_not_found(
    client, world, login_as, session, product, method, path, whose
):
    rival = factories.make_product(session, world.other_company)
    session.commit()
    product_id = rival.id if whose == "other organisation" else 999_999
    login_as(world.company)
    response = getattr(client, method)(f"/products/{product_id}{path}", data=EDIT)
    assert response.status_code == 404
    session.expire_all()
    assert session.get(Product, rival.id).name != "StrideSense 2"


@pytest.mark.parametrize("who", ["participant", "researcher_wfh", "evaluator", "admin"])
@pytest.mark.parametrize(("method", "path"), [("get", ""), ("get", "/edit"), ("post", "/edit")])
def test_only_company_users_reach_product_pages(
    client, world, login_as, session, product, who, method, path
):
    login_as(world.participant.user if who == "participant" else getattr(world, who))
    response = getattr(client, method)(f"/products/{product.id}{path}", data=EDIT)
    assert response.status_code == 403
