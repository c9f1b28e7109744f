"""A company's product register: list, add, see and change products."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from livinglab.accounts.roles import Role
from livinglab.documents.forms import DeleteForm, UploadForm
from livinglab.documents.queries import query_documents
from livinglab.documents.services import size_in_words
from livinglab.errors import InvalidInput
from livinglab.extensions import db
from livinglab.products import services
from livinglab.products.forms import ProductForm
from livinglab.products.models import Product
from livinglab.products.queries import get_product_or_404, query_organisation_products
from livinglab.security import role_required
from livinglab.web.forms import show_error

bp = Blueprint("products", __name__, url_prefix="/products")


def _form_page(form: ProductForm, product: Product | None, status: int):
    template = "products/edit.html" if product else "products/new.html"
    return render_template(template, form=form, product=product), status


@bp.get("/")
@role_required(Role.COMPANY)
def index():
    """The organisation's products, newest first."""
    page = db.paginate(
        query_organisation_products(current_user.organisation_id),
        per_page=current_app.config["PAGE_SIZE"],
        max_per_page=100,
    )
    return render_template("products/index.html", page=page)


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.COMPANY)
def new():
    """Register a product so it can be named in a trial proposal."""
    form = ProductForm()
    if not form.validate_on_submit():
        return _form_page(form, None, 422 if form.errors else 200)
    details = form.details()
    try:
        product = services.register_product(
            db.session,
            actor=current_user,
            name=details.name,
            category=details.category,
            intended_use=details.intended_use,
            regulatory_status=details.regulatory_status,
            profile=details.profile,
        )
    except InvalidInput as error:
        db.session.rollback()
        show_error(form, error)
        return _form_page(form, None, 422)
    db.session.commit()
    flash(
        f"{product.name} registered. You can now propose a trial of it, and add evidence "
        "on its page.",
        "success",
    )
    return redirect(url_for(".index"))


def render_detail(product: Product, *, upload_form: UploadForm | None = None, status: int = 200):
    """The product page with its evidence; ``upload_form`` carries upload errors."""
    documents = db.paginate(
        query_documents(product_id=product.id),
        per_page=current_app.config["PAGE_SIZE"],
        max_per_page=100,
    )
    page = render_template(
        "products/detail.html",
        product=product,
        documents=documents,
        form=upload_form,
        upload_form=upload_form or UploadForm(formdata=None),
        delete_form=DeleteForm(formdata=None),
        max_size=size_in_words(current_app.config["DOCUMENT_MAX_BYTES"]),
    )
    return page, status


@bp.get("/<int:product_id>")
@role_required(Role.COMPANY)
def detail(product_id: int):
    """One product: its regulatory profile and the evidence uploaded for it."""
    return render_detail(get_product_or_404(product_id, for_user=current_user))


@bp.route("/<int:product_id>/edit", methods=["GET", "POST"])
@role_required(Role.COMPANY)
def edit(product_id: int):
    """Change a product's details; the old and new values are audited."""
    product = get_product_or_404(product_id, for_user=current_user)
    form = ProductForm(obj=product if request.method == "GET" else None)
    if not form.validate_on_submit():
        return _form_page(form, product, 422 if form.errors else 200)
    try:
        services.update_product(db.session, product, actor=current_user, details=form.details())
    except InvalidInput as error:
        db.session.rollback()
        show_error(form, error)
        return _form_page(form, product, 422)
    db.session.commit()
    flash("Product details saved.", "success")
    return redirect(url_for(".detail", product_id=product.id))
