"""Sites the Living Lab starts with; an admin can add more as rows."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from livinglab.sites.models import Site

DEFAULT_SITES = (
    ("WFH", "Wessex Fields hub", "Dorset MedTech Science Park, Wessex Fields, Bournemouth"),
    ("DOR", "Dorchester satellite", "Dorset County Hospital site, Dorchester"),
)


def ensure_default_sites(session: Session) -> list[Site]:
    """Create the two founding sites if missing; returns them in order."""
    existing = {s.code: s for s in session.scalars(select(Site))}
    for code, name, location in DEFAULT_SITES:
        if code not in existing:
            existing[code] = Site(code=code, name=name, location=location)
            session.add(existing[code])
    session.flush()
    return [existing[code] for code, _, _ in DEFAULT_SITES]


def all_sites(session: Session) -> list[Site]:
    return list(session.scalars(select(Site).where(Site.is_active.is_(True)).order_by(Site.id)))
