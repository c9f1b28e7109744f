"""The admin's view of the audit trail."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from livinglab.accounts.roles import Role
from livinglab.audit.forms import AuditFilterForm
from livinglab.audit.queries import query_audit_events
from livinglab.extensions import db
from livinglab.security import role_required

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


@bp.get("/")
@role_required(Role.ADMIN)
def index():
    """Audit events, newest first, filtered and paginated."""
    form = AuditFilterForm(request.args)
    if request.args and not form.validate():
        return render_template("audit/index.html", form=form, page=None), 422
    filters = {
        name: form[name].data
        for name in ("action", "object_type", "actor_id", "trial_id", "since", "until")
    }
    page = db.paginate(
        query_audit_events(**filters),
        per_page=current_app.config["PAGE_SIZE"],
        max_per_page=100,
    )
    return render_template("audit/index.html", form=form, page=page)
