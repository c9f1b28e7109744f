"""The adapter that renders WTForms fields as NHS.UK frontend components.

Templates call the macros in ``templates/_macros/forms.html``, which call
:func:`field_params` to turn a bound field into the parameter dict the
nhsuk-frontend-jinja macros expect, and :func:`error_list` for the error summary.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request, url_for
from wtforms import Field, Form
from wtforms.fields import (
    BooleanField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
)

from livinglab.web.fields import DateInputField


def _merge(base: dict[str, Any], overrides: dict[str, Any] | None) -> dict[str, Any]:
    merged = dict(base)
    for key, value in (overrides or {}).items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _common(field: Field) -> dict[str, Any]:
    params: dict[str, Any] = {"id": field.id, "name": field.name}
    if field.description:
        params["hint"] = {"text": field.description}
    if field.errors:
        params["errorMessage"] = {"text": field.errors[0]}
    return params


def _choice_items(field: Field, checked: set[str]) -> list[dict[str, Any]]:
    return [
        {"value": value, "text": label, "checked": str(value) in checked}
        for value, label, *_ in field.iter_choices()
    ]


def field_params(field: Field, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Parameters for the NHS.UK macro that renders ``field``."""
    params = _common(field)
    label = {"text": field.label.text}
    if isinstance(field, DateInputField):
        params.pop("name")
        params["namePrefix"] = field.name
        params["fieldset"] = {"legend": {"text": field.label.text}}
        bday = field.render_kw and field.render_kw.get("autocomplete") == "bday"
        params["items"] = [
            {
                "name": part,
                "label": part.capitalize(),
                "value": field.parts[part],
                "width": 4 if part == "year" else 2,
                "error": bool(field.errors),
                "inputmode": "numeric",
                **({"autocomplete": f"bday-{part}"} if bday else {}),
            }
            for part in ("day", "month", "year")
        ]
    elif isinstance(field, RadioField):
        params.pop("id")
        params["idPrefix"] = field.id
        params["fieldset"] = {"legend": {"text": field.label.text}}
        params["items"] = _choice_items(field, {str(field.data)} if field.data else set())
    elif isinstance(field, SelectMultipleField):
        params.pop("id")
        params["idPrefix"] = field.id
        params["fieldset"] = {"legend": {"text": field.label.text}}
        params["items"] = _choice_items(field, {str(v) for v in field.data or []})
    elif isinstance(field, SelectField):
        params["label"] = label
        params["items"] = [
            {"value": value, "text": text, "selected": selected}
            for value, text, selected, *_ in field.iter_choices()
        ]
    elif isinstance(field, BooleanField):
        params.pop("id")
        params["idPrefix"] = field.id
        params["items"] = [{"value": "y", "text": field.label.text, "checked": bool(field.data)}]
    else:
        params["label"] = label
        params["value"] = "" if isinstance(field, PasswordField) else field._value()
    return _merge(params, overrides)


def error_href(field: Field) -> str:
    if isinstance(field, DateInputField):
        return f"#{field.id}-{field.error_part}"
    return f"#{field.id}"


def error_list(form: Form) -> list[dict[str, str]]:
    """Error summary entries linking to each field with an error, in form order."""
    entries = []
    for field in form:
        if field.errors:
            entries.append({"text": field.errors[0], "href": error_href(field)})
    return entries


def page_url(number: int) -> str:
    """This page's URL with ``page=number``, keeping its path values and query filters."""
    args = {**(request.view_args or {}), **request.args.to_dict(), "page": number}
    return url_for(request.endpoint or "web.home", **args)


def register(app: Flask) -> None:
    app.jinja_env.globals.update(
        nhsuk_field_params=field_params, nhsuk_error_list=error_list, page_url=page_url
    )
