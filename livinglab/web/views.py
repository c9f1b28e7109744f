"""Home page and the signed-in dashboard."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

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
