"""Who may see and change a product: pure predicates for loaders, views and templates."""

from __future__ import annotations

from livinglab.accounts.models import User
from livinglab.accounts.roles import Role
from livinglab.products.models import Product


def is_product_member(user: User, product: Product) -> bool:
    """A company user of the organisation that owns the product (the only people who see it)."""
    return (
        user.has_role(Role.COMPANY)
        and user.organisation_id is not None
        and user.organisation_id == product.organisation_id
    )
