"""``flask send-mail``: deliver the outbox (run it from cron or a systemd timer)."""

from __future__ import annotations

import click
from flask import current_app

from livinglab.extensions import db
from livinglab.mail.services import MAX_ATTEMPTS, SmtpSender, count_pending, deliver_pending


@click.command("send-mail")
@click.option("--limit", default=100, show_default=True, help="Most messages to send.")
def send_mail(limit: int) -> None:
    """Send the messages waiting in the outbox (nothing is sent without MAIL_SERVER)."""
    try:
        sender = SmtpSender.from_config(current_app.config)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    if sender is None:
        pending = count_pending(db.session)
        click.echo(f"MAIL_SERVER is not set: {pending} message(s) left in the outbox.")
        return
    report = deliver_pending(db.session, sender, limit=limit)
    db.session.commit()
    click.echo(
        f"Sent {report.sent} message(s); {report.failed} failed "
        f"(each is tried up to {MAX_ATTEMPTS} times; see last_error in the outbox)."
    )
    if report.failed:
        raise SystemExit(1)
