"""Placeholder blueprint, replaced by the real views."""

from flask import Blueprint, abort

bp = Blueprint("products", __name__)


@bp.get("/products/")
def index():
    abort(404)
