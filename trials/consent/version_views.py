"""Consent-form versions: staff list, read, draft and approve them; participants re-consent.

One blueprint for the feature. The staff pages for the versions are here; the draft editor
(:mod:`trials.consent.version_editor_views`) and the participant's re-consent pages
(:mod:`trials.consent.reconsent_views`) are routed from the table at the end of this module.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import raiseload

from livinglab.accounts.models import User
from livinglab.accounts.roles import Role
from livinglab.errors import IllegalTransition, InvalidInput
from livinglab.extensions import db
from livinglab.security import role_required
from livinglab.web.forms import show_error
from trials.consent import reconsent_views, version_editor_views, version_queries, versions
from trials.consent.models import ConsentForm, ConsentFormStatus
from trials.consent.version_forms import CHANGE_HINTS, ActionForm, ApproveVersionForm
from trials.consent.version_loaders import staff_trial, version_or_404
from trials.proposals.models import Trial

bp = Blueprint("consent_versions", __name__)


def _approvers(forms: list[ConsentForm]) -> dict[int, str]:
    """User id -> name of whoever approved ``forms`` (one query)."""
    ids = {form.approved_by_id for form in forms if form.approved_by_id is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).all())


@bp.get("/trials/<int:trial_id>/consent-forms")
@role_required(Role.RESEARCHER)
def index(trial_id: int):
    """Every version of the trial's consent form, newest first, and who must re-consent."""
    trial = staff_trial(trial_id)
    page = db.paginate(
        select(ConsentForm)
        .where(ConsentForm.trial_id == trial.id)
        .options(raiseload(ConsentForm.statements), raiseload(ConsentForm.questions))
        .order_by(ConsentForm.version.desc()),
        per_page=current_app.config["PAGE_SIZE"],
        max_per_page=100,
    )
    draft = db.session.execute(
        select(ConsentForm.id, ConsentForm.version).where(
            ConsentForm.trial_id == trial.id, ConsentForm.status == ConsentFormStatus.DRAFT
        )
    ).first()
    return render_template(
        "consent_versions/index.html",
        trial=trial,
        page=page,
        approvers=_approvers(page.items),
        draft=draft,
        can_manage=versions.can_manage_consent_forms(current_user, trial),
        needing=version_queries.count_needing_reconsent(db.session, trial.id),
        create_form=ActionForm(),
    )


@bp.get("/trials/<int:trial_id>/consent-forms/<int:form_id>")
@role_required(Role.RESEARCHER)
def show(trial_id: int, form_id: int):
    """One version, read-only: the information sheet, statements and questions."""
    trial = staff_trial(trial_id)
    form = version_or_404(trial, form_id)
    return render_template(
        "consent_versions/show.html",
        trial=trial,
        version=form,
        approvers=_approvers([form]),
        can_manage=versions.can_manage_consent_forms(current_user, trial),
    )


@bp.post("/trials/<int:trial_id>/consent-forms/new")
@role_required(Role.RESEARCHER)
def create(trial_id: int):
    """Start a new version as a draft copy of the approved one."""
    trial = staff_trial(trial_id, manage=True)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        draft = versions.start_new_version(db.session, trial, actor=current_user)
        db.session.commit()
    except IntegrityError:
        # Only a second click racing the first gets here: versions are unique per trial.
        db.session.rollback()
        raise IllegalTransition("A new version is already being drafted.") from None
    flash(f"Version {draft.version} created as a draft copy. Make your changes below.", "success")
    return redirect(url_for(".edit", trial_id=trial.id, form_id=draft.id))


def _approve_page(trial: Trial, draft: ConsentForm, form: ApproveVersionForm, status: int = 200):
    return render_template(
        "consent_versions/approve.html",
        trial=trial,
        version=draft,
        form=form,
        hints=CHANGE_HINTS,
        problems=versions.approval_problems(draft),
        to_tell=version_queries.count_to_tell(db.session, trial.id),
    ), status


@bp.route("/trials/<int:trial_id>/consent-forms/<int:form_id>/approve", methods=["GET", "POST"])
@role_required(Role.RESEARCHER)
def approve(trial_id: int, form_id: int):
    """Approve a draft as a minor or major change, with a summary for participants."""
    trial = staff_trial(trial_id, manage=True)
    draft = version_or_404(trial, form_id)
    versions.require_draft(draft)
    form = ApproveVersionForm()
    if not form.validate_on_submit():
        return _approve_page(trial, draft, form, 422 if form.errors else 200)
    try:
        versions.approve_new_version(
            db.session,
            draft,
            actor=current_user,
            change_kind=form.change_kind.data,
            change_summary=form.change_summary.data,
        )
    except InvalidInput as error:
        db.session.rollback()
        show_error(form, error)
        return _approve_page(trial, version_or_404(trial, form_id), form, 422)
    db.session.commit()
    flash(f"Version {draft.version} approved. Participants have been told by email.", "success")
    return redirect(url_for(".index", trial_id=trial.id))


@bp.get("/trials/<int:trial_id>/consent-forms/reconsent-needed")
@role_required(Role.RESEARCHER)
def reconsent_needed(trial_id: int):
    """Participants (by code and site) who must re-consent after a major change."""
    trial = staff_trial(trial_id)
    page = db.paginate(
        version_queries.query_needing_reconsent(trial.id),
        per_page=current_app.config["PAGE_SIZE"],
        max_per_page=100,
    )
    return render_template("consent_versions/reconsent_needed.html", trial=trial, page=page)


#: (rule, endpoint, view, methods) for the editor and the participant's pages.
ROUTES = (
    (
        "/trials/<int:trial_id>/consent-forms/<int:form_id>/edit",
        "edit",
        version_editor_views.edit,
        ("GET",),
    ),
    (
        "/trials/<int:trial_id>/consent-forms/<int:form_id>/information",
        "edit_information",
        version_editor_views.edit_information,
        ("GET", "POST"),
    ),
    (
        "/trials/<int:trial_id>/consent-forms/<int:form_id>/statements/new",
        "add_statement",
        version_editor_views.add_statement,
        ("GET", "POST"),
    ),
    (
        "/trials/<int:trial_id>/consent-forms/<int:form_id>/statements/<int:item_id>",
        "edit_statement",
        version_editor_views.edit_statement,
        ("GET", "POST"),
    ),
    (
        "/trials/<int:trial_id>/consent-forms/<int:form_id>/questions/new",
        "add_question",
        version_editor_views.add_question,
        ("GET", "POST"),
    ),
    (
        "/trials/<int:trial_id>/consent-forms/<int:form_id>/questions/<int:item_id>",
        "edit_question",
        version_editor_views.edit_question,
        ("GET", "POST"),
    ),
    (
        "/trials/<int:trial_id>/consent-forms/<int:form_id>/<any(statements,questions):kind>"
        "/<int:item_id>/remove",
        "remove_item",
        version_editor_views.remove_item,
        ("POST",),
    ),
    (
        "/trials/<int:trial_id>/consent-forms/<int:form_id>/<any(statements,questions):kind>"
        "/<int:item_id>/move",
        "move_item",
        version_editor_views.move_item,
        ("POST",),
    ),
    (
        "/my-trials/<int:trial_id>/reconsent",
        "reconsent",
        reconsent_views.reconsent,
        ("GET", "POST"),
    ),
    (
        "/my-trials/<int:trial_id>/reconsent/decline",
        "decline",
        reconsent_views.decline,
        ("GET", "POST"),
    ),
    (
        "/my-trials/<int:trial_id>/information",
        "trial_information",
        reconsent_views.trial_information,
        ("GET",),
    ),
)

for rule, endpoint, view, methods in ROUTES:
    bp.add_url_rule(rule, endpoint, view, methods=list(methods))
