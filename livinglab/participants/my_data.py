""" "My data": everything held about the signed-in participant, downloads, and their rights."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_login import logout_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from livinglab.accounts.roles import Role
from livinglab.accounts.tokens import send_verification_email
from livinglab.errors import InvalidInput
from livinglab.extensions import db
from livinglab.participants import erasure
from livinglab.participants.ethnicity import ETHNIC_GROUPS
from livinglab.participants.models import Participant
from livinglab.participants.my_data_forms import ContactForm, DeleteAccountForm, LeaveRegistryForm
from livinglab.participants.queries import current_participant
from livinglab.security import role_required
from livinglab.web.forms import show_error

bp = Blueprint("my_data", __name__, url_prefix="/my-data")

UK_TIME = ZoneInfo("Europe/London")
#: ``app.extensions`` key: functions ``(session, participant) -> list[DataSection]`` that
#: other packages register (the trials add enrolments, consents and observations), so this
#: core package shows their records without importing them.
SOURCES = "livinglab.my_data_sources"


@dataclass(frozen=True)
class DataSection:
    """One kind of record held about the participant, e.g. their consent records."""

    key: str
    title: str
    #: Field key -> heading, in display order.
    fields: dict[str, str]
    items: list[dict[str, Any]] = field(default_factory=list)
    #: One record shown as a summary list (account, profile) rather than a table.
    single: bool = False


DataSource = Callable[[Session, Participant], list[DataSection]]


def register_source(app: Flask, source: DataSource) -> None:
    """Add a source of records to every participant's "My data" page and downloads."""
    app.extensions.setdefault(SOURCES, []).append(source)


def collect(session: Session, participant: Participant) -> list[DataSection]:
    """Every section of data held about ``participant``: account, profile, then the sources."""
    user = participant.user
    sections = [
        DataSection(
            "account",
            "Your account",
            {"full_name": "Name", "email": "Email address", "created_at": "Account created"},
            [{"full_name": user.full_name, "email": user.email, "created_at": user.created_at}],
            single=True,
        ),
        DataSection(
            "registry_profile",
            "Your registry profile",
            {
                "date_of_birth": "Date of birth",
                "sex": "Sex",
                "postcode": "Postcode",
                "deprivation_quintile": "Deprivation quintile (1 = most deprived fifth)",
                "ethnic_group": "Ethnic group",
                "conditions": "Health conditions",
                "phone": "Phone number",
                "nhs_number": "NHS number",
                "contact_method": "How we contact you",
                "has_smartphone": "Has a smartphone",
                "has_computer_or_tablet": "Has a computer or tablet",
                "has_home_internet": "Has internet at home",
                "registry_opt_in": "Contact me about other studies",
                "created_at": "Joined the registry",
            },
            [_profile(participant)],
            single=True,
        ),
    ]
    for source in current_app.extensions.get(SOURCES, []):
        sections.extend(source(session, participant))
    return sections


def _profile(participant: Participant) -> dict[str, Any]:
    return {
        "date_of_birth": participant.date_of_birth,
        "sex": participant.sex.label,
        "postcode": participant.postcode,
        "deprivation_quintile": participant.deprivation_quintile,
        "ethnic_group": (
            ETHNIC_GROUPS.get(participant.ethnic_group, participant.ethnic_group)
            if participant.ethnic_group
            else None
        ),
        "conditions": ", ".join(c.name for c in participant.conditions) or "None given",
        "phone": participant.phone,
        "nhs_number": participant.nhs_number,
        "contact_method": participant.contact_method.label,
        "has_smartphone": participant.has_smartphone,
        "has_computer_or_tablet": participant.has_computer_or_tablet,
        "has_home_internet": participant.has_home_internet,
        "registry_opt_in": participant.registry_opt_in,
        "created_at": participant.created_at,
    }


@bp.app_template_filter("my_data_value")
def display(value: Any) -> str:
    """A stored value as a person reads it: ``Not known``, ``Yes``, ``1 June 1950``."""
    if value is None:
        return "Not known"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.datetime):
        local = value.astimezone(UK_TIME)
        hour, suffix = local.hour % 12 or 12, "am" if local.hour < 12 else "pm"
        return f"{local.day} {local:%B %Y} at {hour}:{local:%M}{suffix} (UK time)"
    if isinstance(value, dt.date):
        return f"{value.day} {value:%B %Y}"
    return str(value)


def _machine(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def as_json(sections: list[DataSection]) -> dict[str, Any]:
    return {
        s.key: (
            {k: _machine(v) for k, v in s.items[0].items()}
            if s.single
            else [{k: _machine(v) for k, v in item.items()} for item in s.items]
        )
        for s in sections
    }


def csv_rows(sections: list[DataSection]) -> Iterator[tuple[str, str, str]]:
    """``(section, field, value)`` per item; list sections number their items from 1."""
    for s in sections:
        for number, item in enumerate(s.items, start=1):
            name = s.key if s.single else f"{s.key}[{number}]"
            for key, value in item.items():
                text = "" if value is None else str(_machine(value))
                # Keep spreadsheets from running a typed value as a formula.
                if text[:1] in ("=", "+", "-", "@") and isinstance(value, str):
                    text = "'" + text
                yield name, key, text


def _download(body: str, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
@role_required(Role.PARTICIPANT)
def index(leave_form: LeaveRegistryForm | None = None, status: int = 200):
    """Everything we hold about the signed-in participant, on one page."""
    participant = current_participant()
    sections = collect(db.session, participant)
    page = render_template(
        "my_data/index.html",
        participant=participant,
        sections=sections,
        form=leave_form or LeaveRegistryForm(),
    )
    return _no_store(current_app.make_response((page, status)))


@bp.get("/download.json")
@role_required(Role.PARTICIPANT)
def download_json():
    """The participant's data as a JSON file."""
    data = as_json(collect(db.session, current_participant()))
    body = json.dumps(data, indent=2, ensure_ascii=False)
    return _download(body, "application/json", "my-data.json")


@bp.get("/download.csv")
@role_required(Role.PARTICIPANT)
def download_csv():
    """The participant's data as a CSV file: one row per item, ``section,field,value``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(("section", "field", "value"))
    writer.writerows(csv_rows(collect(db.session, current_participant())))
    return _download(buffer.getvalue(), "text/csv", "my-data.csv")


@bp.route("/contact", methods=["GET", "POST"])
@role_required(Role.PARTICIPANT)
def contact():
    """Change the email address and postcode."""
    participant = current_participant()
    form = ContactForm(data={"email": participant.user.email, "postcode": participant.postcode})

    def page(status: int = 200):
        return render_template("my_data/contact.html", form=form), status

    if not form.validate_on_submit():
        return page(422 if form.errors else 200)
    try:
        old_email = participant.user.email
        changed = erasure.change_contact_details(
            db.session, participant, email=form.email.data, postcode=form.postcode.data
        )
        if participant.user.email != old_email:
            send_verification_email(db.session, participant.user)
        db.session.commit()
    except InvalidInput as error:
        db.session.rollback()
        show_error(form, error)
        return page(422)
    except IntegrityError:  # another account took the email between our check and commit
        db.session.rollback()
        form.email.errors.append("Another account already uses this email address")
        return page(422)
    flash("Your contact details have been updated." if changed else "Nothing was changed.")
    return redirect(url_for(".index"))


@bp.post("/leave-registry")
@role_required(Role.PARTICIPANT)
def leave_registry():
    """Stop being contacted about other studies."""
    participant = current_participant()
    form = LeaveRegistryForm()
    if not form.validate_on_submit():
        return index(leave_form=form, status=422)
    erasure.leave_registry(db.session, participant)
    db.session.commit()
    flash("You have left the registry. We will not contact you about other studies.", "success")
    return redirect(url_for(".index"))


@bp.route("/delete", methods=["GET", "POST"])
@role_required(Role.PARTICIPANT)
def delete():
    """Confirm, then delete the account's identifiers and sign out."""
    participant = current_participant()
    form = DeleteAccountForm()
    if not form.validate_on_submit():
        status = 422 if form.errors else 200
        return render_template("my_data/delete.html", form=form), status
    erasure.delete_account(db.session, participant)
    db.session.commit()
    logout_user()
    flash("Your account has been deleted.", "success")
    return redirect(url_for("web.home"))
