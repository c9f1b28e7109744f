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
    _describe(participant, n)
    return participant


#: Detailed ethnic groups drawn for synthetic volunteers, roughly as Dorset's adults are.
ETHNIC_WEIGHTS = {
    "white_british": 880,
    "white_other": 40,
    "white_irish": 5,
    "asian_indian": 8,
    "asian_chinese": 5,
    "asian_other": 8,
    "mixed_white_asian": 6,
    "mixed_other": 8,
    "black_african": 6,
    "black_caribbean": 3,
    "other_any": 8,
    "prefer_not_to_say": 23,
}


def _describe(participant: Participant, n: int) -> None:
    """Ethnic group and digital access, from a generator of their own so that adding these
    answers left every other demo value (and so the demo's analysis results) unchanged."""
    own = random.Random(f"volunteer:{n}")
    participant.ethnic_group = own.choices(list(ETHNIC_WEIGHTS), list(ETHNIC_WEIGHTS.values()))[0]
    participant.has_smartphone = own.random() < 0.8
    participant.has_computer_or_tablet = own.random() < 0.75
    participant.has_home_internet = own.random() < 0.9
