"""Product use cases: register a product and change its details."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from livinglab.accounts.models import User
from livinglab.audit.services import record
from livinglab.errors import InvalidInput, NotPermitted
from livinglab.products.models import (
    DeviceClass,
    DtacStatus,
    EsfTier,
    Product,
    ProductCategory,
    ProductStage,
)
from livinglab.products.permissions import is_product_member

#: Kinds of product that are medical devices under UK MDR 2002 unless said otherwise.
NEEDS_DEVICE_CLASS = frozenset({ProductCategory.DEVICE, ProductCategory.DIAGNOSTIC})
#: Kinds of product the NICE Evidence Standards Framework covers.
NEEDS_ESF_TIER = frozenset({ProductCategory.DIGITAL_HEALTH_APP})


@dataclass(frozen=True)
class RegulatoryProfile:
    """Where the product is on its way to the NHS: stage, device class, DTAC, NICE ESF."""

    stage: ProductStage
    device_class: DeviceClass | None = None
    dtac_status: DtacStatus | None = None
    esf_tier: EsfTier | None = None


@dataclass(frozen=True)
class ProductDetails:
    """Everything the product form asks."""

    name: str
    category: ProductCategory
    intended_use: str
    regulatory_status: str | None
    profile: RegulatoryProfile


def check_profile(category: ProductCategory, profile: RegulatoryProfile) -> None:
    """Raise InvalidInput when the profile lacks an answer this kind of product needs."""
    if category in NEEDS_DEVICE_CLASS and profile.device_class is None:
        raise InvalidInput(
            "device_class", "Select the medical device class: devices and diagnostics need one"
        )
    if category in NEEDS_ESF_TIER and profile.esf_tier is None:
        raise InvalidInput(
            "esf_tier", "Select the NICE evidence standards tier: digital health apps need one"
        )
    if category in NEEDS_ESF_TIER and profile.esf_tier is EsfTier.NOT_APPLICABLE:
        raise InvalidInput(
            "esf_tier",
            "Select tier A, B or C: a digital health app is a digital health technology",
        )


def _values(product: Product) -> dict[str, Any]:
    return {
        "name": product.name,
        "category": product.category,
        "intended_use": product.intended_use,
        "regulatory_status": product.regulatory_status,
        "stage": product.stage,
        "device_class": product.device_class,
        "dtac_status": product.dtac_status,
        "esf_tier": product.esf_tier,
    }


def _apply(product: Product, details: ProductDetails) -> None:
    product.name = details.name.strip()
    product.category = details.category
    product.intended_use = details.intended_use.strip()
    product.regulatory_status = (details.regulatory_status or "").strip() or None
    product.stage = details.profile.stage
    product.device_class = details.profile.device_class
    product.dtac_status = details.profile.dtac_status
    product.esf_tier = details.profile.esf_tier


def register_product(
    session: Session,
    *,
    actor: User,
    name: str,
    category: ProductCategory,
    intended_use: str,
    regulatory_status: str | None = None,
    profile: RegulatoryProfile | None = None,
) -> Product:
    """Register a product for the actor's organisation.

    ``profile`` is what the product form asks for; without it (older callers) the
    stage, device class, DTAC status and ESF tier stay unknown.

    Raises:
        NotPermitted: the actor belongs to no organisation.
        InvalidInput: on ``device_class`` or ``esf_tier`` when the kind needs one.
    """
    if actor.organisation_id is None:
        raise NotPermitted("Your account is not linked to an organisation.")
    if profile is not None:
        check_profile(category, profile)
    product = Product(
        organisation_id=actor.organisation_id,
        name=name.strip(),
        category=category,
        intended_use=intended_use.strip(),
        regulatory_status=(regulatory_status or "").strip() or None,
    )
    if profile is not None:
        _apply(product, ProductDetails(name, category, intended_use, regulatory_status, profile))
    session.add(product)
    session.flush()
    record(
        session,
        actor=actor,
        action="product.registered",
        object_type="product",
        object_id=product.id,
        new={key: value for key, value in _values(product).items() if value is not None},
    )
    return product


def update_product(
    session: Session, product: Product, *, actor: User, details: ProductDetails
) -> Product:
    """Change a product's details; audited with the old and new values of what changed.

    Raises:
        NotPermitted: the actor is not a member of the owning organisation.
        InvalidInput: on ``device_class`` or ``esf_tier`` when the kind needs one.
    """
    if not is_product_member(actor, product):
        raise NotPermitted("Only members of the product's organisation can change it.")
    check_profile(details.category, details.profile)
    old = _values(product)
    _apply(product, details)
    new = _values(product)
    changed = [key for key in new if new[key] != old[key]]
    if not changed:
        return product
    session.flush()
    record(
        session,
        actor=actor,
        action="product.updated",
        object_type="product",
        object_id=product.id,
        old={key: old[key] for key in changed},
        new={key: new[key] for key in changed},
    )
    return product
