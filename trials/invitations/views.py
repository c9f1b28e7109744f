"""Invitations: staff's list per trial, and the volunteer's own invitations and answers.

Staff (researchers at an approved site of the trial) see the invitations sent from their
own sites; anyone else who may see the trial gets 403, others 404. A volunteer sees and
answers only their own invitations: anyone else's is a 404. The answer forms carry only
the CSRF token, which the app checks on every POST.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from livinglab.accounts.roles import Role
from livinglab.extensions import db
from livinglab.participants.queries import current_participant
from livinglab.security import role_required
from trials.invitations import queries, services
from trials.invitations.forms import status_filter
from trials.invitations.models import Invitation, InvitationStatus
from trials.permissions import can_run_trial
from trials.proposals.models import Trial
from trials.queries import get_trial_or_404
from trials.states import OPEN_FOR_ENROLMENT

bp = Blueprint("invitations", __name__)


@bp.get("/enrolment/trials/<int:trial_id>/invitations")
@role_required(Role.RESEARCHER)
def trial(trial_id: int):
    """The trial's invitations from the researcher's sites, newest first, by answer."""
    trial = get_trial_or_404(
        trial_id, for_user=current_user, action=can_run_trial, particulars=False
    )
    status = status_filter(request.args.get("status"))
    page = db.paginate(
        queries.query_site_invitations(trial.id, current_user.site_ids, status),
        per_page=current_app.config["PAGE_SIZE"],
        max_per_page=100,
    )
    counts = queries.count_by_status(db.session, trial.id, current_user.site_ids)
    return render_template(
        "invitations/list.html", trial=trial, page=page, status=status, counts=counts
    )


@bp.get("/my-trials/invitations")
@role_required(Role.PARTICIPANT)
def mine():
    """The volunteer's invitations, unanswered ones first, with a yes or no for each."""
    participant = current_participant()
    rows = db.session.execute(queries.query_own_invitations(participant.id)).all()
    return render_template("invitations/mine.html", rows=rows, open_states=OPEN_FOR_ENROLMENT)


def _own_invitation(invitation_id: int) -> tuple[Invitation, Trial]:
    """The signed-in volunteer's invitation and its trial, else 404."""
    invitation = queries.get_own_invitation(db.session, invitation_id, current_participant().id)
    if invitation is None:
        abort(404)
    trial = db.session.get(Trial, invitation.trial_id)
    assert trial is not None  # a foreign key
    return invitation, trial


@bp.post("/my-trials/invitations/<int:invitation_id>/interested")
@role_required(Role.PARTICIPANT)
def interested(invitation_id: int):
    """Yes: the volunteer's interest is registered at the inviting site."""
    invitation, trial = _own_invitation(invitation_id)
    services.accept(db.session, invitation, participant=current_participant(), trial=trial)
    db.session.commit()
    flash(
        f"Thank you. You have registered interest in {trial.title}. The research team at "
        f"{invitation.site.name} will contact you about what happens next.",
        "success",
    )
    return redirect(url_for("consent.my_trials"))


@bp.post("/my-trials/invitations/<int:invitation_id>/decline")
@role_required(Role.PARTICIPANT)
def decline(invitation_id: int):
    """No thanks: the invitation is closed and nobody asks why."""
    invitation, trial = _own_invitation(invitation_id)
    services.decline(db.session, invitation, participant=current_participant())
    db.session.commit()
    flash(
        f"Thank you for letting us know. You will not be asked about {trial.title} again.",
        "success",
    )
    return redirect(url_for(".mine"))


#: Words for the volunteer, per invitation status.
MINE_WORDS = {
    InvitationStatus.INVITED: "Waiting for your answer",
    InvitationStatus.INTERESTED: "You said you are interested",
    InvitationStatus.DECLINED: "You said no thanks",
    InvitationStatus.CLOSED: "Closed",
}
bp.add_app_template_global(MINE_WORDS, "invitation_words")
