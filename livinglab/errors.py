"""Domain errors raised by services, and the one app-wide mapping to clear pages."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError

logger = logging.getLogger(__name__)


class DomainError(Exception):
    """Base for errors a service raises and a view shows to the user."""

    status_code = 400
    title = "There is a problem"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotPermitted(DomainError):
    """The user may see the object but may not do this to it."""

    status_code = 403
    title = "You cannot do this"


class NotFound(DomainError):
    """The object does not exist, or the user may not know that it does."""

    status_code = 404
    title = "Page not found"


class IllegalTransition(DomainError):
    """The object's state does not allow this change."""

    status_code = 409
    title = "This cannot be done now"


class InvalidInput(DomainError):
    """A value broke a rule only the service can check; ``field`` names the form field."""

    status_code = 422

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def register_error_handlers(app: Flask) -> None:
    """Render every expected error as an NHS-styled page with the right status."""

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        return _page(error.status_code, error.title, error.message)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return _page(
            400,
            "Your form has expired",
            "For your security, forms stop working after a while or when you sign out. "
            "Go back, reload the page and try again. Nothing was saved.",
        )

    @app.errorhandler(400)
    def bad_request(error):
        return _page(400, "There is a problem", "The request could not be understood.")

    @app.errorhandler(403)
    def forbidden(error):
        return _page(403, "You cannot do this", "Your account does not have access to this page.")

    @app.errorhandler(404)
    def not_found(error):
        return _page(
            404,
            "Page not found",
            "If you typed the web address, check it is correct. "
            "If you pasted the web address, check you copied the entire address.",
        )

    @app.errorhandler(405)
    def method_not_allowed(error):
        return _page(405, "There is a problem", "This page cannot be used in that way.")

    @app.errorhandler(413)
    def too_large(error):
        megabytes = max(1, (app.config.get("DOCUMENT_MAX_BYTES") or 0) // 2**20)
        return _page(
            413,
            "The file is too large",
            f"Files must be smaller than {megabytes} MB. Go back and choose a smaller file. "
            "Nothing was uploaded.",
        )

    @app.errorhandler(429)
    def too_many(error):
        return _page(
            429,
            "Too many attempts",
            "There have been too many attempts to sign in. Wait 15 minutes and try again.",
        )

    @app.errorhandler(500)
    def server_error(error):
        original = getattr(error, "original_exception", None)
        logger.error(
            "Unhandled error on %s %s", request.method, request.url_rule, exc_info=original
        )
        return _page(
            500,
            "Sorry, there is a problem with the service",
            "Try again later. If you were filling in a form, nothing was saved.",
        )


def _page(status: int, title: str, message: str):
    return render_template("errors/error.html", title=title, message=message, status=status), status
