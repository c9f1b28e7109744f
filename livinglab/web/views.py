"""Home page, the signed-in dashboard and the load balancer's health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask_login import login_required
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from livinglab.extensions import db

bp = Blueprint("web", __name__)


@bp.get("/")
def home():
    """What the Living Lab is, for residents and companies."""
    return render_template("web/home.html")


@bp.get("/dashboard")
@login_required
def dashboard():
    """Links to each part of the service the user's roles allow."""
    return render_template("web/dashboard.html")


@bp.get("/healthz")
def health():
    """200 when the app can reach its database, 503 otherwise (for load balancers)."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return jsonify(status="unavailable"), 503
    return jsonify(status="ok")
