"""Flask CLI commands for trials: ``flask trials import-observations TRIAL_ID FILE.csv``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from livinglab.accounts.services import get_user_by_email
from livinglab.errors import DomainError
from livinglab.extensions import db
from trials.observations.imports import MAX_BYTES, ImportRefused, import_observations
from trials.proposals.models import Trial
from trials.queries import trial_with_details

trials_cli = AppGroup("trials", help="Work on trials from the command line.")


@trials_cli.command("import-observations")
@click.argument("trial_id", type=int)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--as",
    "email",
    required=True,
    help="Email of the researcher recorded as importing the values (at an approved site).",
)
def import_observations_command(trial_id: int, path: Path, email: str) -> None:
    """Import outcome values from a CSV (participant,visit,measure,value), all or nothing.

    The researcher given with --as is recorded in the audit trail as entering each value;
    only participants at that researcher's sites can be imported.
    """
    actor = get_user_by_email(db.session, email)
    if actor is None or not actor.is_active:
        raise click.ClickException(f"No active account with the email {email}.")
    trial = db.session.scalar(trial_with_details(particulars=False).where(Trial.id == trial_id))
    if trial is None:
        raise click.ClickException(f"There is no trial {trial_id}.")
    if path.stat().st_size > MAX_BYTES:
        raise click.ClickException(f"The file must be smaller than {MAX_BYTES // 2**20} MB.")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise click.ClickException("The file must be a CSV file saved as UTF-8.") from error
    try:
        result = import_observations(db.session, trial, text, actor)
    except ImportRefused as error:
        db.session.rollback()
        for problem in error.problems:
            where = f"Line {problem.line}" if problem.line else "File"
            click.echo(f"{where}: {problem.message}", err=True)
        raise click.ClickException("Nothing was imported.") from error
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Imported {result.imported} values; {result.already_there} already there.")


def register(app: Flask) -> None:
    app.cli.add_command(trials_cli)
