"""Placeholder blueprint, replaced by the real views."""

from flask import Blueprint, abort

bp = Blueprint("runs", __name__)


@bp.get("/evaluation/")
def index():
    abort(404)
