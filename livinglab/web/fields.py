"""WTForms fields that match NHS.UK components: the three-part date input, number boxes."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from wtforms import Field, FloatField, IntegerField
from wtforms.utils import unset_value
from wtforms.validators import ValidationError

PARTS = ("day", "month", "year")

#: Plain decimals only: no ``nan``/``inf``, exponents, digit separators or commas (``12,5``
#: could be a decimal comma or a thousands separator, so it is refused, not guessed).
DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
WHOLE = re.compile(r"[+-]?\d{1,9}")


class DateInputField(Field):
    """A date entered as day, month and year boxes (``<name>[day]`` etc.).

    Errors follow the NHS/GOV.UK wording ("Date of birth must include a month",
    "... must be a real date") and remember the first wrong part so the error summary
    can link to it.
    """

    def __init__(self, label: str | None = None, validators: Any = None, **kwargs: Any) -> None:
        super().__init__(label, validators, **kwargs)
        self.parts: dict[str, str] = dict.fromkeys(PARTS, "")
        self.error_part = "day"
        self._problem: str | None = None

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        self.process_errors = []
        if data is unset_value:
            data = self.default() if callable(self.default) else self.default
        self.object_data = data
        self.data = data if isinstance(data, dt.date) else None
        if self.data is not None:
            self.parts = {"day": str(data.day), "month": str(data.month), "year": str(data.year)}
        if formdata is not None:
            # The NHS.UK macro names the boxes ``name[day]``; ``name-day`` is accepted too.
            for style in ("{}[{}]", "{}-{}"):
                keys = {p: style.format(self.name, p) for p in PARTS}
                if any(key in formdata for key in keys.values()):
                    self.parts = {p: (formdata.get(keys[p]) or "").strip() for p in PARTS}
                    self.data, self._problem = self._parse()
                    break

    def _parse(self) -> tuple[dt.date | None, str | None]:
        name = self.label.text
        missing = [p for p in PARTS if not self.parts[p]]
        if len(missing) == len(PARTS):
            return None, None  # left to DataRequired / InputRequired
        if missing:
            self.error_part = missing[0]
            return None, f"{name} must include a {' and '.join(missing)}"
        if not all(self.parts[p].isdigit() for p in PARTS):
            self.error_part = next(p for p in PARTS if not self.parts[p].isdigit())
            return None, f"{name} must be a real date"
        if len(self.parts["year"]) != 4:
            self.error_part = "year"
            return None, "Year must include 4 numbers"
        try:
            return dt.date(*(int(self.parts[p]) for p in reversed(PARTS))), None
        except ValueError:
            self.error_part = "day"
            return None, f"{name} must be a real date"

    def pre_validate(self, form: Any) -> None:
        if self._problem:
            raise ValidationError(self._problem)

    def _value(self) -> str:
        return ""


def date_in_past(message: str | None = None) -> Any:
    """Validator: the date must be before today."""

    def check(form: Any, field: DateInputField) -> None:
        if field.data is not None and field.data >= dt.datetime.now(dt.UTC).date():
            raise ValidationError(message or f"{field.label.text} must be in the past")

    return check


class _TypedNumber:
    """A number typed into a text box; text that is not one gets the field's own message."""

    pattern: re.Pattern[str]
    convert: type

    def __init__(
        self, label: str | None = None, validators: Any = None, *, message: str, **kwargs: Any
    ) -> None:
        super().__init__(label, validators, **kwargs)  # type: ignore[call-arg]
        self.message = message

    def process_formdata(self, valuelist: list[str]) -> None:
        text = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not text:
            return
        if not self.pattern.fullmatch(text):
            raise ValueError(self.message)
        self.data = self.convert(text)


class NumberField(_TypedNumber, FloatField):
    """A decimal number, like 12.5.

    Unlike ``FloatField`` it refuses ``nan``, ``inf``, exponents and commas, which Python's
    ``float`` accepts or which are ambiguous (``12,5``).
    """

    pattern = DECIMAL
    convert = float


class WholeNumberField(_TypedNumber, IntegerField):
    """A whole number of up to nine digits, like 60."""

    pattern = WHOLE
    convert = int
