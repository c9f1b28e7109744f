"""Synthetic Dorset volunteers: plausible names, ages and postcodes, seeded."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy.orm import Session

from livinglab.participants.models import Participant, Sex
from livinglab.participants.services import register_participant

FIRST = (
    "Ann",
    "Bill",
    "Carol",
    "David",
    "Edith",
    "Frank",
    "Grace",
    "Harry",
    "Irene",
    "Jack",
    "Kath",
    "Len",
    "Mary",
    "Norman",
    "Olive",
    "Peter",
    "Rose",
    "Stan",
    "Tess",
    "Walter",
    "Amira",
    "Ben",
    "Chloe",
    "Dev",
    "Ella",
    "Finn",
    "Gita",
    "Hugo",
    "Isla",
    "Jamal",
)
LAST = (
    "Abbott",
    "Barnes",
    "Cooper",
    "Dean",
    "Ellis",
    "Fox",
    "Gale",
    "Hardy",
    "Ingram",
    "Jones",
    "Keel",
    "Lane",
    "Moss",
    "Noble",
    "Orchard",
    "Pike",
    "Quinn",
    "Rowe",
    "Sparks",
    "Turner",
)
BH_DISTRICTS = [f"BH{n}" for n in range(1, 26)]
DT_DISTRICTS = [f"DT{n}" for n in range(1, 12)]


def synthetic_participant(session: Session, rng: random.Random, n: int) -> Participant:
    """Volunteer number ``n``: opted in to the registry, no password (cannot sign in)."""
    age = 18 + int(77 * rng.betavariate(3.0, 1.6))
    born = dt.date(2026 - age, rng.randint(1, 12), rng.randint(1, 28))
    district = rng.choice(BH_DISTRICTS if rng.random() < 0.6 else DT_DISTRICTS)
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    postcode = f"{district} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    participant = register_participant(
        session,
        full_name=name,
        email=f"volunteer{n:04d}@demo.test",
        password="",
        date_of_birth=born,
        sex=rng.choice([Sex.FEMALE, Sex.MALE]),
        postcode=postcode,
        registry_opt_in=True,
    )
    participant.deprivation_quintile = rng.choices([1, 2, 3, 4, 5], weights=[12, 18, 22, 24, 24])[0]
    return participant
