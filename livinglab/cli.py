"""Flask CLI commands: ``flask demo``."""

from __future__ import annotations

import importlib

import click
from flask import Flask

from livinglab.extensions import db


def register(app: Flask) -> None:
    from livinglab.participants.cli import register as register_registry_commands

    register_registry_commands(app)
    # By name, like the factory's blueprints: livinglab must not import trials.
    importlib.import_module("trials.observations.import_cli").register(app)
    importlib.import_module("evaluation.runs.jobs").register(app)
    from livinglab.mail.cli import send_mail

    app.cli.add_command(send_mail)

    @app.cli.command("demo")
    def demo() -> None:
        """Load the demo Living Lab into an empty database (running it again changes nothing)."""
        from livinglab.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo

        created = load_demo(db.session)
        db.session.commit()
        click.echo(
            "Demo data loaded." if created else "Demo data already present; nothing changed."
        )
        click.echo(f"Demo accounts (password {DEMO_PASSWORD}, development only):")
        for email, _name, roles in DEMO_ACCOUNTS:
            click.echo(f"  {email:<28} {', '.join(sorted(r.label for r in roles))}")

    @app.cli.command("seed-sites")
    def seed_sites() -> None:
        """Make sure the founding sites (WFH, DOR) exist."""
        from livinglab.sites.services import ensure_default_sites

        ensure_default_sites(db.session)
        db.session.commit()
