"""The roles a user may hold; a user may hold several."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    COMPANY = "company"
    PARTICIPANT = "participant"
    RESEARCHER = "researcher"
    EVALUATOR = "evaluator"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return {
            Role.COMPANY: "Company user",
            Role.PARTICIPANT: "Participant",
            Role.RESEARCHER: "Researcher",
            Role.EVALUATOR: "Evaluator",
            Role.ADMIN: "Administrator",
        }[self]
