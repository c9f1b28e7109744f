"""Flask CLI commands for the registry: ``flask load-deprivation PATH``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from livinglab.extensions import db


def register(app: Flask) -> None:
    @app.cli.command("load-deprivation")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option(
        "--replace-all", is_flag=True, help="Remove stored postcodes that are not in the file."
    )
    def load_deprivation(path: Path, replace_all: bool) -> None:
        """Add or update the postcode deprivation lookup from a CSV (postcode,imd_quintile)."""
        from livinglab.participants.deprivation import DeprivationFileError, load_deprivation_csv

        try:
            result = load_deprivation_csv(
                db.session, path.read_text(encoding="utf-8-sig"), None, replace_all=replace_all
            )
        except DeprivationFileError as error:
            db.session.rollback()
            for problem in error.problems:
                click.echo(f"Row {problem.row}: {problem.message}", err=True)
            raise click.ClickException("Nothing was loaded.") from error
        db.session.commit()
        click.echo(
            f"Deprivation lookup: {result.rows} rows read, {result.added} added, "
            f"{result.updated} updated, {result.removed} removed."
        )
