"""Small helpers shared by form-handling views."""

from __future__ import annotations

from wtforms import Form

from livinglab.errors import InvalidInput


def show_error(form: Form, error: InvalidInput, *, aliases: dict[str, str] | None = None) -> None:
    """Put a service's ``InvalidInput`` message next to the field it names.

    ``aliases`` maps a service field name to the form field that shows it (e.g. the
    service's ``sites`` to the first site target box). A name the form does not know
    goes on its first visible field, so the message is never lost.
    """
    name = (aliases or {}).get(error.field, error.field)
    if name in form:
        form[name].errors.append(error.message)
        return
    field = next(f for f in form if f.type not in ("CSRFTokenField", "HiddenField"))
    field.errors.append(error.message)
