"""The participant's side of a trial: find one, read about it, consent, and keep a copy."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import column, select, table
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from wtforms import SelectChoice

from livinglab.accounts.roles import Role
from livinglab.errors import IllegalTransition, InvalidInput
from livinglab.extensions import db
from livinglab.participants.queries import current_participant, participant_of_current_user
from livinglab.security import role_required
from livinglab.sites.models import Site
from trials.consent import services
from trials.consent.copy import consent_copy_pdf
from trials.consent.forms import FinderFilterForm, build_sign_form
from trials.consent.models import Consent, ConsentKind
from trials.consent.version_queries import consent_overview
from trials.consent.withdrawal import latest_withdrawals
from trials.eligibility import rules as eligibility_rules
from trials.eligibility.queries import finder_choices, requires_condition, serves_ics_outcome
from trials.eligibility.services import unmet_criteria
from trials.enrolment.models import Enrolment
from trials.observations.questionnaire_views import questionnaires_due
from trials.proposals.models import Trial, TrialSite
from trials.queries import trial_with_details
from trials.states import OPEN_FOR_ENROLMENT, TrialStatus

bp = Blueprint("consent", __name__)

UK_TIME = ZoneInfo("Europe/London")

#: The evaluation package's ``adoption_decisions`` table, read (never written) for the
#: public summary: ``trials`` may not import ``evaluation`` (see the import-linter contract).
_decisions = table("adoption_decisions", column("trial_id"), column("public_summary"))


@bp.app_template_filter("uk_datetime")
def uk_datetime(value: dt.datetime) -> str:
    """A timestamp in UK time, e.g. ``3 March 2025 at 2:05pm``."""
    local = value.astimezone(UK_TIME)
    hour, suffix = local.hour % 12 or 12, "am" if local.hour < 12 else "pm"
    return f"{local.day} {local:%B %Y} at {hour}:{local:%M}{suffix}"


def _recruiting_trial_or_404(trial_id: int) -> Trial:
    trial = db.session.scalar(
        trial_with_details().where(Trial.id == trial_id, Trial.status.in_(OPEN_FOR_ENROLMENT))
    )
    if trial is None:
        abort(404)
    return trial


@bp.get("/trials/")
def finder():
    """Trials looking for volunteers, for anyone to browse, by site, condition or ICS outcome."""
    choices = finder_choices(db.session)
    form = FinderFilterForm(request.args)
    form.site.choices = [SelectChoice("", "Any site"), *choices.sites]
    form.condition.choices = [SelectChoice("", "Any condition"), *choices.conditions]
    form.ics_outcome.choices = [SelectChoice("", "Any goal"), *choices.ics_outcomes]
    if request.args and not form.validate():
        for field in (form.site, form.condition, form.ics_outcome):
            if field.errors:
                # A missing value or one not on the list is ignored, as if "any" was chosen.
                field.data, field.errors = "", []
    query = (
        select(Trial)
        .where(Trial.status.in_(OPEN_FOR_ENROLMENT))
        .options(
            joinedload(Trial.organisation),
            selectinload(Trial.trial_sites).joinedload(TrialSite.site),
            selectinload(Trial.ics_outcomes),
        )
        .order_by(Trial.id.desc())
    )
    if form.condition.data:
        query = query.where(requires_condition(form.condition.data))
    if form.ics_outcome.data:
        query = query.where(serves_ics_outcome(form.ics_outcome.data))
    if form.site.data:
        query = query.where(
            select(TrialSite.id)
            .join(Site, Site.id == TrialSite.site_id)
            .where(
                TrialSite.trial_id == Trial.id,
                TrialSite.is_approved.is_(True),
                Site.code == form.site.data,
            )
            .exists()
        )
    page = db.paginate(query, per_page=current_app.config["PAGE_SIZE"], max_per_page=100)
    return render_template("consent/finder.html", page=page, filter_form=form)


def _public_trial_or_404(trial_id: int) -> tuple[Trial, str | None]:
    """A recruiting trial, or a decided one with its published summary (else 404)."""
    trial = db.session.scalar(
        trial_with_details().where(
            Trial.id == trial_id,
            Trial.status.in_({*OPEN_FOR_ENROLMENT, TrialStatus.DECIDED}),
        )
    )
    summary = None
    if trial is not None and trial.status is TrialStatus.DECIDED:
        summary = db.session.scalar(
            select(_decisions.c.public_summary).where(_decisions.c.trial_id == trial_id)
        )
    if trial is None or (trial.status is TrialStatus.DECIDED and not summary):
        abort(404)
    return trial, summary


@bp.get("/trials/<int:trial_id>")
def trial_page(trial_id: int):
    """One trial in plain English: who can take part and the way in, or once decided, results."""
    trial, results_summary = _public_trial_or_404(trial_id)
    existing = None
    if current_user.is_authenticated and current_user.has_role(Role.PARTICIPANT):
        participant = participant_of_current_user()
        if participant is not None:
            existing = services.latest_consent(db.session, participant.id, trial.id)
            if existing is not None and existing.kind is not ConsentKind.CONSENT:
                existing = None
    return render_template(
        "consent/trial.html",
        trial=trial,
        existing=existing,
        requirements=eligibility_rules.requirements(trial.eligibility),
        results_summary=results_summary,
    )


@bp.route("/trials/<int:trial_id>/consent", methods=["GET", "POST"])
@role_required(Role.PARTICIPANT)
def sign(trial_id: int):
    """Read the information sheet, agree to each statement, choose a site and sign."""
    participant = current_participant()
    trial = _recruiting_trial_or_404(trial_id)
    consent_form = services.current_consent_form(db.session, trial.id)
    if consent_form is None:
        raise IllegalTransition("This trial is not ready to take consent yet. Try again later.")
    if request.method == "GET":
        existing = services.latest_consent(db.session, participant.id, trial.id)
        if existing is not None and existing.kind is ConsentKind.CONSENT:
            # Signing again is refused by the service (409); on GET, show their copy instead.
            flash("You have already agreed to take part in this trial.", "info")
            return redirect(url_for("consent.confirmation", consent_id=existing.id))
        if unmet_criteria(db.session, participant, trial):
            # The enrolment service refuses an ineligible participant on POST too.
            flash("You cannot take part in this trial. See which requirements you do not meet.")
            return redirect(url_for("eligibility.check", trial_id=trial.id))
    form = build_sign_form(consent_form, trial.approved_sites)

    def page(status: int = 200, template: str = "consent/sign.html"):
        return render_template(template, trial=trial, consent_form=consent_form, form=form), status

    if request.method == "POST" and request.form.get("change"):
        return page()  # back from "check your answers", with the answers kept
    if not form.validate_on_submit():
        return page(422 if form.errors else 200)
    if form.confirmed.data != "yes":
        return page(template="consent/check.html")
    try:
        consent = services.sign_consent(
            db.session,
            participant=participant,
            trial=trial,
            site_id=form.site_id.data,
            answers=form.answers(),
            typed_name=form.typed_name.data,
            comprehension=form.comprehension(),
        )
        db.session.commit()
    except InvalidInput as error:
        db.session.rollback()
        if error.field not in form:
            raise  # not a field on this page: the app-wide handler shows the message
        form[error.field].errors.append(error.message)
        return page(422)
    except IntegrityError:
        # Only a second submission racing the first (a double click) gets here: the
        # participant's enrolment in a trial is unique.
        db.session.rollback()
        raise IllegalTransition("You have already consented to this trial.") from None
    return redirect(url_for("consent.confirmation", consent_id=consent.id))


def _own_consent_copy(consent_id: int) -> dict:
    """What the participant's copy of their signed consent shows (404 unless it is theirs)."""
    participant = current_participant()
    consent = db.session.scalar(
        select(Consent).where(
            Consent.id == consent_id,
            Consent.participant_id == participant.id,
            Consent.kind == ConsentKind.CONSENT,
        )
    )
    if consent is None:
        abort(404)
    trial = db.session.get_one(Trial, consent.trial_id)
    enrolment = db.session.scalar(
        select(Enrolment).where(
            Enrolment.trial_id == consent.trial_id, Enrolment.participant_id == participant.id
        )
    )
    answers = [
        (statement, bool(consent.answers.get(str(statement.id))))
        for statement in consent.consent_form.statements
    ]
    return {"consent": consent, "trial": trial, "enrolment": enrolment, "answers": answers}


@bp.get("/my-trials/consents/<int:consent_id>")
@role_required(Role.PARTICIPANT)
def confirmation(consent_id: int):
    """The participant's own copy of a consent they signed."""
    return render_template("consent/confirmation.html", **_own_consent_copy(consent_id))


@bp.get("/my-trials/consents/<int:consent_id>/copy.pdf")
@role_required(Role.PARTICIPANT)
def confirmation_pdf(consent_id: int):
    """The same copy as a PDF to keep: version, information sheet, answers, time signed."""
    copy = _own_consent_copy(consent_id)
    response = make_response(consent_copy_pdf(**copy))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="consent-{copy["consent"].reference}.pdf"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/my-trials/")
@role_required(Role.PARTICIPANT)
def my_trials():
    """The trials the participant has joined, with a link to each consent copy."""
    participant = current_participant()
    rows = db.session.execute(
        select(Enrolment, Trial.title)
        .join(Trial, Trial.id == Enrolment.trial_id)
        .where(Enrolment.participant_id == participant.id)
        .order_by(Enrolment.created_at.desc(), Enrolment.id.desc())
    ).all()
    # Latest consent per trial (for the copy link) and notices of newer versions, one query.
    latest_consent_id, notices = consent_overview(db.session, participant.id)
    return render_template(
        "consent/my_trials.html",
        rows=rows,
        latest_consent_id=latest_consent_id,
        withdrawals=latest_withdrawals(db.session, participant.id),
        notices=notices,
        questionnaires=questionnaires_due(db.session, [enrolment for enrolment, _ in rows]),
    )
