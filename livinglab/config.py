"""Configuration classes; production values come from the environment."""

from __future__ import annotations

import os
import tempfile
from datetime import timedelta
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


class ConfigError(RuntimeError):
    """Raised when the app is started with settings it must refuse."""


class BaseConfig:
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'livinglab.sqlite'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SECRET_KEY = os.environ.get("SECRET_KEY")
    REDIS_URL = os.environ.get("REDIS_URL")

    #: Participant information sheets take a while to read: keep the CSRF token for the session.
    WTF_CSRF_TIME_LIMIT = None
    WTF_CSRF_ENABLED = True

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
    #: Remember-me is not offered: staff handle health data on shared machines.
    REMEMBER_COOKIE_DURATION = timedelta(days=1)
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"

    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL") or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    #: Failed sign-ins allowed per client address before a pause.
    LOGIN_FAILURE_LIMIT = "10 per 15 minutes"

    #: Argon2id cost parameters (argon2-cffi defaults, RFC 9106 low-memory profile).
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 65536
    #: Lanes (threads) per hash: the argon2-cffi and RFC 9106 default.
    ARGON2_PARALLELISM = 4
    FORCE_HTTPS = True
    DEMO_ACCOUNTS_VISIBLE = False
    PAGE_SIZE = 25

    #: Outgoing mail. Without MAIL_SERVER nothing is sent: messages wait in the outbox.
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "true").lower() in ("1", "true", "yes")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER")
    #: Show stored messages at /dev/outbox so testers can follow their links.
    MAIL_OUTBOX_VISIBLE = False
    EMAIL_VERIFICATION_MAX_AGE = timedelta(days=7)
    PASSWORD_RESET_MAX_AGE = timedelta(hours=1)
    #: Password reset requests allowed per client address and per email address.
    PASSWORD_RESET_REQUEST_LIMIT = "5 per hour"  # noqa: S105 - a rate, not a password
    #: How long the link in a colleague's invitation to join an organisation works.
    ORGANISATION_INVITATION_MAX_AGE = timedelta(days=7)

    #: Uploaded documents live here, outside the web root, under random names.
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", str(INSTANCE_DIR / "uploads"))
    #: The largest PDF or DOCX a company may upload.
    DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
    #: The largest request body read at all (one document plus the form around it); bigger
    #: requests get a clear 413 page before anything is stored.
    MAX_CONTENT_LENGTH = DOCUMENT_MAX_BYTES + 1024 * 1024

    @classmethod
    def check(cls, config: dict) -> None:
        """Refuse to start without the settings production needs."""
        if not config.get("SECRET_KEY"):
            raise ConfigError(
                "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a long "
                "random value, for example the output of: "
                "python -c 'import secrets; print(secrets.token_hex(32))'"
            )


class ProductionConfig(BaseConfig):
    pass


class DevelopmentConfig(BaseConfig):
    SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-not-secret"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    FORCE_HTTPS = False
    DEMO_ACCOUNTS_VISIBLE = True
    MAIL_OUTBOX_VISIBLE = True


class TestingConfig(BaseConfig):
    TESTING = True
    SECRET_KEY = "test-only-not-secret"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    #: Never reach a real mail server from the test suite, whatever the environment says.
    MAIL_SERVER = None
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    FORCE_HTTPS = False
    #: Never the app's own instance folder; tests that upload point this at their tmp_path.
    UPLOAD_FOLDER = os.path.join(tempfile.gettempdir(), "livinglab-test-uploads")
    #: Cheap hashing keeps the suite fast; production costs are tested separately.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    #: One lane: starting threads cost ten times the hash itself at this size.
    ARGON2_PARALLELISM = 1


CONFIGS = {
    "production": ProductionConfig,
    "development": DevelopmentConfig,
    "testing": TestingConfig,
}


def config_class(name: str | None = None) -> type[BaseConfig]:
    """The config class named by LIVINGLAB_ENV (production unless told otherwise)."""
    name = name or os.environ.get("LIVINGLAB_ENV", "production")
    try:
        return CONFIGS[name]
    except KeyError:
        raise ConfigError(f"LIVINGLAB_ENV={name!r} is not one of {', '.join(CONFIGS)}.") from None
