"""Errors raised by the questionnaire library; all are ``ValueError`` subclasses."""

from __future__ import annotations

from collections.abc import Mapping


class QuestionnaireError(ValueError):
    """Base class for every error this package raises."""


class UnknownInstrumentError(QuestionnaireError):
    """No instrument has this code."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(f"Unknown questionnaire {code!r}.")


class InvalidAnswerError(QuestionnaireError):
    """One or more answers are not allowed for their item.

    Attributes:
        errors: every offending item code mapped to a message, in questionnaire order,
            so a page can put each message on its own field.
        item_code: the first offending item code.
    """

    def __init__(self, errors: Mapping[str, str]) -> None:
        if not errors:
            raise ValueError("InvalidAnswerError needs at least one error.")
        self.errors = dict(errors)
        self.item_code = next(iter(self.errors))
        super().__init__("; ".join(f"{code}: {msg}" for code, msg in self.errors.items()))


class InvalidProfileError(QuestionnaireError):
    """An EQ-5D-5L health-state profile is not five digits from 1 to 5."""


class ValueSetError(QuestionnaireError):
    """A value-set file is missing, malformed or incomplete."""


class LicensedTextError(QuestionnaireError):
    """A licensed-text file does not match the instrument it claims to be for."""
