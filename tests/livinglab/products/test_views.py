"""The company's product register over HTTP."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from livinglab.audit.models import AuditEvent
from livinglab.products.models import Product
from tests import factories
from tests.pages import text_of

VALID = {
    "name": "StepRight insole",
    "category": "device",
    "intended_use": "Warns people at risk of falls when their gait changes.",
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
    assert session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "product.registered", AuditEvent.object_id == product.id
        )
    )
    page = client.get("/products/").get_data(as_text=True)
    assert "StepRight insole" in page
    assert "UKCA class I" in page


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
