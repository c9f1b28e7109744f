"""Evidence documents on a product's page: upload, download, delete (members only)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_login import current_user

from livinglab.accounts.roles import Role
from livinglab.documents import services, web
from livinglab.documents.forms import UploadForm
from livinglab.documents.models import DocumentKind
from livinglab.documents.queries import get_document_or_404
from livinglab.errors import InvalidInput
from livinglab.extensions import db
from livinglab.products.models import Product
from livinglab.products.permissions import is_product_member
from livinglab.products.queries import get_product_or_404
from livinglab.products.views import render_detail
from livinglab.security import role_required
from livinglab.web.forms import show_error

bp = Blueprint("product_documents", __name__, url_prefix="/products/<int:product_id>/documents")


@bp.post("")
@role_required(Role.COMPANY)
def upload(product_id: int):
    """Add a PDF or DOCX of evidence the company already holds about the product."""
    product = get_product_or_404(product_id, for_user=current_user)
    form = UploadForm()
    if not form.validate_on_submit():
        return render_detail(product, upload_form=form, status=422)
    store = services.default_store()
    try:
        document = services.store_document(
            db.session,
            actor=current_user,
            organisation_id=product.organisation_id,
            kind=DocumentKind.EVIDENCE,
            upload=services.Upload(form.file.data.filename or "", form.file.data.stream),
            product_id=product.id,
            store=store,
        )
    except InvalidInput as error:
        db.session.rollback()
        show_error(form, error)
        return render_detail(product, upload_form=form, status=422)
    web.commit_upload(db.session, store, document)
    flash(f"{document.original_filename} uploaded.", "success")
    return redirect(url_for("products.detail", product_id=product.id))


@bp.get("/<int:document_id>")
@role_required(Role.COMPANY)
def download(product_id: int, document_id: int):
    """Download the document as it was uploaded."""
    product = get_product_or_404(product_id, for_user=current_user)
    document = get_document_or_404(db.session, document_id, product_id=product.id)
    return web.download(document, services.default_store())


@bp.post("/<int:document_id>/delete")
@role_required(Role.COMPANY)
def delete(product_id: int, document_id: int):
    """Remove an evidence document; the record of the upload stays in the audit trail."""
    product = get_product_or_404(product_id, for_user=current_user)
    document = get_document_or_404(db.session, document_id, product_id=product.id)
    name = document.original_filename
    key = services.delete_document(db.session, document, actor=current_user)
    db.session.commit()
    services.default_store().remove(key)
    flash(f"{name} deleted.", "success")
    return redirect(url_for("products.detail", product_id=product.id))


@bp.errorhandler(413)
def too_large(error):
    """A request bigger than MAX_CONTENT_LENGTH: say so next to the file box."""
    message = services.too_large_message(current_app.config["DOCUMENT_MAX_BYTES"])
    product = db.session.get(Product, (request.view_args or {}).get("product_id", 0))
    if not (current_user.is_authenticated and product and is_product_member(current_user, product)):
        return web.too_large_page()
    form = UploadForm(formdata=None)
    form.file.errors = [message]
    return render_detail(product, upload_form=form, status=413)
