"""Fixtures shared by the proposal step tests."""

from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture
def product(session, world):
    product = factories.make_product(session, world.company)
    session.commit()
    return product


@pytest.fixture
def draft_id(client, world, login_as, product) -> int:
    """A complete draft made through every step, with the company signed in."""
    login_as(world.company)
    return factories.propose(client, product.id)
