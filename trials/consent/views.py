"""Placeholder blueprint, replaced by the real views."""

from flask import Blueprint, abort

bp = Blueprint("consent", __name__)


@bp.get("/trials/")
def finder():
    abort(404)


@bp.get("/my-trials/")
def my_trials():
    abort(404)
