"""The development outbox: testers read stored messages and follow their links."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template
from sqlalchemy import select

from livinglab.extensions import db
from livinglab.mail.models import OutboxMessage

bp = Blueprint("mail", __name__, url_prefix="/dev")


@bp.before_request
def only_when_enabled() -> None:
    """The page shows every message's address and body, so it exists only in development."""
    if not current_app.config.get("MAIL_OUTBOX_VISIBLE"):
        abort(404)


@bp.get("/outbox")
def outbox():
    """Stored messages, newest first, paginated."""
    query = select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    page = db.paginate(query, per_page=current_app.config["PAGE_SIZE"], max_per_page=100)
    return render_template("mail/outbox.html", page=page)
