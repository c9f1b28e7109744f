"""The company's product register over HTTP."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from livinglab.audit.models import AuditEvent
from livinglab.products.models import DeviceClass, DtacStatus, Product, ProductStage
from tests import factories
from tests.pages import text_of

VALID = {
    "name": "StepRight insole",
    "category": "device",
    "intended_use": "Warns people at risk of falls when their gait changes.",
    "stage": "prototype",
    "device_class": "class_i",
    "dtac_status": "in_progress",
    "regulatory_status": "UKCA class I",
}


def products(session) -> int:
    return session.scalar(select(func.count()).select_from(Product))


def test_a_company_user_registers_a_product_for_their_organisation(
    client, world, login_as, session
):
    login_as(world.company)
    response = client.post("/products/new", data=VALID)
    assert response.status_code == 302
    product = session.scalars(select(Product)).one()
    assert product.organisation_id == world.org.id
    assert product.name == "StepRight insole"
    assert product.stage is ProductStage.PROTOTYPE
    assert product.device_class is DeviceClass.CLASS_I
    assert product.dtac_status is DtacStatus.IN_PROGRESS
    assert product.esf_tier is None
    assert session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "product.registered", AuditEvent.object_id == product.id
        )
    )
    page = client.get("/products/").get_data(as_text=True)
    assert "StepRight insole" in page
    assert "UKCA class I" in page
    assert "Prototype" in page
    assert "Device class: Class I" in page
    assert "DTAC: In progress" in page
    assert f'href="/products/{product.id}"' in page


def test_the_product_list_shows_only_the_organisations_own_products(
    client, world, login_as, session
):
    factories.make_product(session, world.other_company)
    mine = factories.make_product(session, world.company)
    session.commit()
    login_as(world.company)
    page = client.get("/products/").get_data(as_text=True)
    assert mine.name in page
    assert page.count("<tr>") == 2  # header and our one product


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Enter the product's name"),
        ("name", "x" * 201, "Product name must be 200 characters or fewer"),
        ("category", "", "Select the kind of product"),
        ("category", "spaceship", "Select the kind of product"),
        ("intended_use", "  ", "Describe the product's intended use"),
        ("regulatory_status", "y" * 121, "Regulatory status must be 120 characters or fewer"),
        ("stage", "", "Select how far along the product is"),
        ("stage", "launched", "Select how far along the product is"),
        ("device_class", "", "Select the medical device class: devices and diagnostics need one"),
        ("device_class", "class_iv", "Select the medical device class"),
        ("dtac_status", "done", "Select where the product is with its DTAC assessment"),
        ("esf_tier", "tier_z", "Select the NICE evidence standards tier"),
    ],
)
def test_bad_product_input_is_refused_next_to_the_field(
    client, world, login_as, session, field, value, message
):
    login_as(world.company)
    response = client.post("/products/new", data={**VALID, field: value})
    assert response.status_code == 422
    page = text_of(response)
    assert message in page
    assert "There is a problem" in page
    assert products(session) == 0


@pytest.mark.parametrize("who", ["participant", "researcher_wfh", "evaluator", "admin"])
@pytest.mark.parametrize(("method", "url"), [("get", "/products/"), ("post", "/products/new")])
def test_product_pages_are_only_for_company_users(
    client, world, login_as, session, who, method, url
):
    user = world.participant.user if who == "participant" else getattr(world, who)
    login_as(user)
    response = getattr(client, method)(url, data=VALID)
    assert response.status_code == 403
    assert products(session) == 0


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    response = client.get("/products/new")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"category": "diagnostic", "device_class": ""}, "device_class", "devices and diagnostics"),
        (
            {"category": "digital_health_app", "device_class": "", "esf_tier": ""},
            "esf_tier",
            "digital health apps need one",
        ),
        (
            {"category": "digital_health_app", "esf_tier": "not_applicable"},
            "esf_tier",
            "Select tier A, B or C",
        ),
    ],
)
def test_each_kind_of_product_needs_its_own_answers(
    client, world, login_as, session, changes, field, message
):
    login_as(world.company)
    response = client.post("/products/new", data={**VALID, **changes})
    assert response.status_code == 422
    assert message in text_of(response)
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert products(session) == 0


@pytest.mark.parametrize(
    "changes",
    [
        {"category": "service_innovation", "device_class": "", "dtac_status": ""},
        {"category": "other", "device_class": "", "dtac_status": "", "regulatory_status": ""},
        {"category": "digital_health_app", "device_class": "", "esf_tier": "tier_c"},
        {"category": "digital_health_app", "device_class": "class_iia", "esf_tier": "tier_b"},
    ],
)
def test_answers_a_kind_does_not_need_may_be_left_blank(client, world, login_as, session, changes):
    login_as(world.company)
    assert client.post("/products/new", data={**VALID, **changes}).status_code == 302
    assert products(session) == 1


def test_the_form_says_which_answers_each_kind_needs(client, world, login_as):
    login_as(world.company)
    response = client.get("/products/new")
    page = text_of(response)
    assert "Needed for devices and diagnostics" in page
    assert "Needed for digital health apps" in page
    assert "DTAC assessment (optional)" in page
    for label in ("Concept", "CE or UKCA marked", "Class IIb", "Tier C (interventions and"):
        assert label in page
    assert "checked" not in response.get_data(as_text=True)


def test_the_product_list_takes_a_bounded_number_of_queries(
    client, world, login_as, session, count_queries
):
    login_as(world.company)
    client.post("/products/new", data=VALID)
    with count_queries() as few:
        client.get("/products/")
    for n in range(6):
        client.post("/products/new", data={**VALID, "name": f"Insole {n}"})
    with count_queries() as many:
        page = client.get("/products/").get_data(as_text=True)
    assert page.count("<tr>") == 8
    assert len(many) == len(few)
