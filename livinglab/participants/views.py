"""Placeholder blueprint, replaced by the real views."""

from flask import Blueprint, abort

bp = Blueprint("participants", __name__)


@bp.get("/register")
def register():
    abort(404)
