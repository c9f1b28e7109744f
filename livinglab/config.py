"""Configuration classes; production values come from the environment."""

from __future__ import annotations

import os
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
    FORCE_HTTPS = True
    DEMO_ACCOUNTS_VISIBLE = False
    PAGE_SIZE = 25

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


class TestingConfig(BaseConfig):
    TESTING = True
    SECRET_KEY = "test-only-not-secret"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    FORCE_HTTPS = False
    #: Cheap hashing keeps the suite fast; production costs are tested separately.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024


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
