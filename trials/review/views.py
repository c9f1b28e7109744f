"""Placeholder blueprint, replaced by the real views."""

from flask import Blueprint, abort

bp = Blueprint("review", __name__)


@bp.get("/review/")
def queue():
    abort(404)
