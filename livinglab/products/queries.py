"""Loading products: every load is also the authorisation check."""

from __future__ import annotations

from typing import Any

from flask import abort
from sqlalchemy import select

from livinglab.accounts.models import User
from livinglab.extensions import db
from livinglab.products.models import Product
from livinglab.products.permissions import is_product_member


def query_organisation_products(organisation_id: int | None) -> Any:
    """The organisation's products, newest first (for ``db.paginate``)."""
    return (
        select(Product)
        .where(Product.organisation_id == organisation_id)
        .order_by(Product.created_at.desc(), Product.id.desc())
    )


def get_product_or_404(product_id: int, *, for_user: User) -> Product:
    """The product if ``for_user`` is a member of its organisation; otherwise 404."""
    product = db.session.get(Product, product_id)
    if product is None or not is_product_member(for_user, product):
        abort(404)
    return product
