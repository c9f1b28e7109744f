"""Registry administration: the deprivation lookup and possible duplicate people."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import func, select

from livinglab.accounts.roles import Role
from livinglab.extensions import db
from livinglab.participants import services
from livinglab.participants.admin_forms import (
    MAX_DEPRIVATION_FILE_BYTES,
    REPLACE_ALL,
    DeprivationUploadForm,
    ResolveDuplicateForm,
)
from livinglab.participants.deprivation import DeprivationFileError, load_deprivation_csv
from livinglab.participants.models import DeprivationLookup, PossibleDuplicate
from livinglab.participants.queries import query_unresolved_duplicates
from livinglab.security import role_required

bp = Blueprint("registry_admin", __name__, url_prefix="/admin")

TEMPLATE = "admin/deprivation.html"
#: The largest request body read on the upload page: the file plus room for the other fields.
MAX_REQUEST_BYTES = MAX_DEPRIVATION_FILE_BYTES + 64 * 1024


def _deprivation_page(form: DeprivationUploadForm, status: int = 200, problems=()):
    stored = db.session.scalar(select(func.count()).select_from(DeprivationLookup))
    return render_template(TEMPLATE, form=form, stored=stored, problems=problems), status


@bp.route("/deprivation", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def deprivation():
    """Upload the postcode deprivation lookup; a file with any bad row changes nothing."""
    # Refuse oversized bodies before reading them (the form re-checks the file itself).
    request.max_content_length = MAX_REQUEST_BYTES
    form = DeprivationUploadForm()
    if not form.validate_on_submit():
        return _deprivation_page(form, 422 if form.errors else 200)
    try:
        text = form.file.data.read().decode("utf-8-sig")
        result = load_deprivation_csv(
            db.session, text, current_user, replace_all=form.mode.data == REPLACE_ALL
        )
    except UnicodeDecodeError:
        form.file.errors.append("The file must be a CSV file saved as UTF-8")
        return _deprivation_page(form, 422)
    except DeprivationFileError as error:
        db.session.rollback()
        form.file.errors.append(
            f"The file has {len(error.problems)} problem(s). Nothing was saved."
        )
        return _deprivation_page(form, 422, error.problems)
    db.session.commit()
    flash(
        f"Deprivation lookup updated: {result.added} added, {result.updated} updated, "
        f"{result.removed} removed.",
        "success",
    )
    return redirect(url_for(".deprivation"))


@bp.errorhandler(413)
def file_too_large(error):
    form = DeprivationUploadForm(formdata=None)
    form.file.errors = [f"The file must be smaller than {MAX_DEPRIVATION_FILE_BYTES // 2**20} MB"]
    return _deprivation_page(form, 413)


@bp.get("/duplicates")
@role_required(Role.ADMIN)
def duplicates():
    """People who may have registered twice, newest first."""
    page = db.paginate(
        query_unresolved_duplicates(),
        per_page=current_app.config["PAGE_SIZE"],
        max_per_page=100,
    )
    return render_template("admin/duplicates.html", page=page, form=ResolveDuplicateForm())


@bp.post("/duplicates/<int:flag_id>/resolve")
@role_required(Role.ADMIN)
def resolve_duplicate(flag_id: int):
    """Mark a possible duplicate as checked by staff."""
    flag = db.session.get(PossibleDuplicate, flag_id) or abort(404)
    if not ResolveDuplicateForm().validate_on_submit():
        abort(400)
    services.resolve_possible_duplicate(db.session, flag, actor=current_user)
    db.session.commit()
    flash("The possible duplicate is marked as checked.", "success")
    return redirect(url_for(".duplicates"))
