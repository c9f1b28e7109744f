"""Email verification and password reset pages, reached from links in emails."""

from __future__ import annotations

import hashlib

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, logout_user

from livinglab.accounts import tokens
from livinglab.accounts.email_forms import (
    ForgotPasswordForm,
    ResendVerificationForm,
    ResetPasswordForm,
)
from livinglab.accounts.services import normalise_email
from livinglab.accounts.tokens import TokenError, TokenPurpose
from livinglab.errors import IllegalTransition, InvalidInput
from livinglab.extensions import db, limiter
from livinglab.web.forms import show_error

bp = Blueprint("account_email", __name__)

RESEND_LIMIT = "5 per hour"


def _reset_request_limit() -> str:
    return current_app.config["PASSWORD_RESET_REQUEST_LIMIT"]


def _email_key() -> str:
    """Rate-limit key per requested address, hashed so no email is stored in the limiter."""
    email = normalise_email(request.form.get("email", ""))
    return "reset:" + hashlib.sha256(email.encode()).hexdigest()


def _user_key() -> str:
    """Per account (not per session token, which changes at each sign-in)."""
    user_id = getattr(current_user, "id", None)
    return f"resend:{user_id}" if user_id is not None else f"resend-ip:{get_remote_address()}"


@bp.errorhandler(429)
def too_many(error):
    message = "You have asked for too many links. Wait an hour and try again."
    return render_template(
        "errors/error.html", title="Too many requests", message=message, status=429
    ), 429


def _private(response):
    """Pages whose URL holds a token are not cached."""
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    return response


def _link_problem(error: TokenError, purpose: TokenPurpose):
    page = render_template(
        "account_email/link_problem.html",
        error=error,
        purpose=purpose.value,
        lifetime=tokens.lifetime(purpose),
        resend_form=ResendVerificationForm(),
    )
    return _private((page, 400))


@bp.get("/verify-email/<token>")
def verify_email(token: str):
    """Confirm an email address from the link in the message."""
    try:
        user = tokens.verify_email(db.session, token)
    except TokenError as error:
        return _link_problem(error, TokenPurpose.VERIFY_EMAIL)
    db.session.commit()
    return _private(render_template("account_email/verified.html", user=user))


@bp.post("/verify-email/resend")
@login_required
@limiter.limit(RESEND_LIMIT, key_func=_user_key)
def resend_verification():
    """Send a new verification link to the signed-in user."""
    try:
        tokens.send_verification_email(db.session, current_user._get_current_object())
    except IllegalTransition as error:
        flash(error.message, "success")
        return redirect(url_for("web.dashboard"))
    db.session.commit()
    lifetime = tokens.lifetime(TokenPurpose.VERIFY_EMAIL)
    flash(f"We have sent a new link to your email address. It works for {lifetime}.", "success")
    return redirect(url_for("web.dashboard"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(_reset_request_limit, methods=["POST"])
@limiter.limit(_reset_request_limit, methods=["POST"], key_func=_email_key)
def forgot_password():
    """Ask for a password reset link; the answer never says whether the account exists."""
    form = ForgotPasswordForm()
    if not form.validate_on_submit():
        status = 422 if form.errors else 200
        return render_template("account_email/forgot_password.html", form=form), status
    tokens.request_password_reset(db.session, form.email.data)
    db.session.commit()
    return redirect(url_for(".reset_link_sent"))


@bp.get("/forgot-password/sent")
def reset_link_sent():
    """The same page whether or not a link was sent."""
    return render_template(
        "account_email/reset_link_sent.html",
        lifetime=tokens.lifetime(TokenPurpose.RESET_PASSWORD),
    )


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password from the link in the message."""
    form = ResetPasswordForm()
    try:
        tokens.check_token(db.session, token, TokenPurpose.RESET_PASSWORD)
        if not form.validate_on_submit():
            page = render_template("account_email/reset_password.html", form=form, token=token)
            return _private((page, 422 if form.errors else 200))
        tokens.reset_password(db.session, token, form.password.data)
    except TokenError as error:
        return _link_problem(error, TokenPurpose.RESET_PASSWORD)
    except InvalidInput as error:
        show_error(form, error)
        page = render_template("account_email/reset_password.html", form=form, token=token)
        return _private((page, 422))
    db.session.commit()
    logout_user()
    flash("Your password has been changed. Sign in with your new password.", "success")
    return redirect(url_for("accounts.login"))
