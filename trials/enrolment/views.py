"""Placeholder blueprint, replaced by the real views."""

from flask import Blueprint, abort

bp = Blueprint("enrolment", __name__)


@bp.get("/enrolment/")
def index():
    abort(404)
