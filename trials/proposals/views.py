"""Placeholder blueprint, replaced by the real views."""

from flask import Blueprint, abort

bp = Blueprint("proposals", __name__)


@bp.get("/proposals/")
def index():
    abort(404)
