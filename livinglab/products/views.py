"""A company's product register: list and add products."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from livinglab.accounts.roles import Role
from livinglab.extensions import db
from livinglab.products import services
from livinglab.products.forms import ProductForm
from livinglab.products.models import Product
from livinglab.security import role_required

bp = Blueprint("products", __name__, url_prefix="/products")


@bp.get("/")
@role_required(Role.COMPANY)
def index():
    """The organisation's products, newest first."""
    query = (
        select(Product)
        .where(Product.organisation_id == current_user.organisation_id)
        .order_by(Product.created_at.desc(), Product.id.desc())
    )
    page = db.paginate(query, per_page=current_app.config["PAGE_SIZE"], max_per_page=100)
    return render_template("products/index.html", page=page)


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.COMPANY)
def new():
    """Register a product so it can be named in a trial proposal."""
    form = ProductForm()
    if not form.validate_on_submit():
        return render_template("products/new.html", form=form), 422 if form.errors else 200
    product = services.register_product(
        db.session,
        actor=current_user,
        name=form.name.data,
        category=form.category.data,
        intended_use=form.intended_use.data,
        regulatory_status=form.regulatory_status.data,
    )
    db.session.commit()
    flash(f"{product.name} registered. You can now propose a trial of it.", "success")
    return redirect(url_for(".index"))
