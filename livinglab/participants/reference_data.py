"""The registry's reference data: conditions and catchment areas, seeded idempotently."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from livinglab.participants.models import CatchmentArea, Condition

#: Common long-term conditions offered on the sign-up form, as (code, name).
DEFAULT_CONDITIONS: tuple[tuple[str, str], ...] = (
    ("high_blood_pressure", "High blood pressure"),
    ("type_2_diabetes", "Type 2 diabetes"),
    ("copd", "COPD (chronic obstructive pulmonary disease)"),
    ("asthma", "Asthma"),
    ("heart_disease", "Heart disease"),
    ("arthritis", "Arthritis"),
    ("depression_anxiety", "Depression or anxiety"),
    ("dementia", "Dementia"),
    ("stroke", "Stroke"),
    ("cancer", "Cancer"),
    ("chronic_pain", "Long-term (chronic) pain"),
    ("falls", "Falls in the last year"),
)

#: The founding catchment: the Bournemouth (BH) and Dorchester (DT) postcode areas.
DEFAULT_CATCHMENT: tuple[tuple[str, str], ...] = (
    ("BH", "Bournemouth postcode area"),
    ("DT", "Dorchester postcode area"),
)


def ensure_reference_data(session: Session) -> None:
    """Add any default condition or catchment area that is missing; change nothing else.

    Running it again adds nothing, and never re-activates or renames a row staff changed.
    """
    _add_missing(session, Condition, DEFAULT_CONDITIONS)
    _add_missing(session, CatchmentArea, DEFAULT_CATCHMENT)
    session.flush()


def _add_missing(
    session: Session,
    model: type[Condition] | type[CatchmentArea],
    rows: tuple[tuple[str, str], ...],
) -> None:
    existing = set(session.scalars(select(model.code)))
    session.add_all(model(code=code, name=name) for code, name in rows if code not in existing)
