"""The application factory: a table of contents of register_* calls."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from flask import Flask, request, send_from_directory
from flask_talisman import Talisman
from jinja2 import (
    BytecodeCache,
    ChainableUndefined,
    ChoiceLoader,
    FileSystemLoader,
    PackageLoader,
    select_autoescape,
)
from jinja2.bccache import Bucket

from livinglab.config import config_class
from livinglab.extensions import csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent

#: Every module that defines models, so metadata is complete for create_all and Alembic.
MODEL_MODULES = (
    "livinglab.sites.models",
    "livinglab.organisations.models",
    "livinglab.accounts.models",
    "livinglab.products.models",
    "livinglab.documents.models",
    "livinglab.participants.models",
    "livinglab.audit.models",
    "livinglab.mail.models",
    "livinglab.accounts.tokens",
    "trials.proposals.models",
    "trials.eligibility.models",
    "trials.review.models",
    "trials.consent.models",
    "trials.enrolment.models",
    "trials.randomisation.models",
    "trials.observations.models",
    "trials.safety.models",
    "trials.followup.models",
    "trials.invitations.models",
    "trials.monitoring.models",
    "evaluation.plans.models",
    "evaluation.runs.models",
    "evaluation.decisions.models",
)

BLUEPRINTS = (
    "livinglab.web.views",
    "livinglab.accounts.views",
    "livinglab.accounts.email_views",
    "livinglab.mail.views",
    "livinglab.audit.views",
    "livinglab.participants.views",
    "livinglab.participants.admin_views",
    "livinglab.products.views",
    "livinglab.products.document_views",
    "livinglab.organisations.views",
    "livinglab.organisations.invitation_views",
    "trials.proposals.views",
    "trials.proposals.document_views",
    "trials.review.views",
    "trials.consent.views",
    "trials.consent.withdrawal_views",
    "trials.consent.version_views",
    "trials.eligibility.views",
    "trials.eligibility.screening_views",
    "livinglab.participants.my_data",
    "trials.enrolment.views",
    "trials.observations.import_views",
    "trials.observations.questionnaire_views",
    "trials.safety.views",
    "trials.followup.views",
    "trials.randomisation.views",
    "trials.monitoring.views",
    "trials.datalock_views",
    "trials.invitations.views",
    "evaluation.plans.views",
    "evaluation.runs.views",
    "evaluation.decisions.views",
)

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def create_app(config: dict[str, Any] | None = None, env: str | None = None) -> Flask:
    """Build the app. ``env`` picks a config class; ``config`` overrides single settings."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    settings = config_class(env)
    app.config.from_object(settings)
    if config:
        app.config.update(config)
    settings.check(app.config)
    register_models()
    register_templating(app)
    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_cli(app)
    return app


def register_models() -> None:
    for module in MODEL_MODULES:
        importlib.import_module(module)


class _ProcessBytecodeCache(BytecodeCache):
    """Compiled templates shared by every app this process creates.

    Buckets are keyed by template name and source checksum, so an edited template is
    compiled afresh. One app per process (production) gains little; the test suite, which
    builds an app per test, stops recompiling the NHS.UK macros for every test.
    """

    def __init__(self) -> None:
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._compiled.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._compiled[bucket.key] = bucket.bytecode_to_string()


_BYTECODE_CACHE = _ProcessBytecodeCache()


def register_templating(app: Flask) -> None:
    app.jinja_options = {
        **app.jinja_options,
        "bytecode_cache": _BYTECODE_CACHE,
        "undefined": ChainableUndefined,
        # The NHS.UK macros (.jinja) are written for autoescaping: "text" params are
        # escaped, "html" params are marked safe. Flask only autoescapes .html by default.
        "autoescape": select_autoescape(("html", "htm", "xml", "jinja"), default_for_string=True),
        "loader": ChoiceLoader(
            [FileSystemLoader(str(ROOT / "templates")), PackageLoader("nhsuk_frontend_jinja")]
        ),
    }
    from livinglab.web import nhsuk

    nhsuk.register(app)

    @app.context_processor
    def csp_nonce() -> dict[str, Any]:
        return {"cspNonce": getattr(request, "csp_nonce", "")}

    @app.route("/assets/<path:filename>")
    def nhsuk_assets(filename: str):
        """The compiled NHS.UK CSS refers to /assets/images/..., so serve them there."""
        return send_from_directory(ROOT / "static" / "nhsuk" / "assets", filename)


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    # One Talisman per app: its settings live on the instance, so a shared one would give
    # every app the settings of the last one built.
    app.extensions["talisman"] = Talisman(
        app,
        force_https=app.config["FORCE_HTTPS"],
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        content_security_policy=CONTENT_SECURITY_POLICY,
        content_security_policy_nonce_in=["script-src"],
        referrer_policy="strict-origin-when-cross-origin",
        frame_options="DENY",
    )
    from livinglab.accounts import loader

    loader.register(app, login_manager)


def register_blueprints(app: Flask) -> None:
    for module in BLUEPRINTS:
        app.register_blueprint(importlib.import_module(module).bp)


def register_error_handlers(app: Flask) -> None:
    from livinglab.errors import register_error_handlers as register

    register(app)


def register_cli(app: Flask) -> None:
    from livinglab.cli import register

    register(app)
