"""Product use cases."""

from __future__ import annotations

from sqlalchemy.orm import Session

from livinglab.accounts.models import User
from livinglab.audit.services import record
from livinglab.errors import NotPermitted
from livinglab.products.models import Product, ProductCategory


def register_product(
    session: Session,
    *,
    actor: User,
    name: str,
    category: ProductCategory,
    intended_use: str,
    regulatory_status: str | None = None,
) -> Product:
    """Register a product for the actor's organisation.

    Raises:
        NotPermitted: the actor belongs to no organisation.
    """
    if actor.organisation_id is None:
        raise NotPermitted("Your account is not linked to an organisation.")
    product = Product(
        organisation_id=actor.organisation_id,
        name=name.strip(),
        category=category,
        intended_use=intended_use.strip(),
        regulatory_status=(regulatory_status or "").strip() or None,
    )
    session.add(product)
    session.flush()
    record(
        session,
        actor=actor,
        action="product.registered",
        object_type="product",
        object_id=product.id,
        new={"name": product.name, "category": category},
    )
    return product
