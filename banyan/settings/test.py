"""Settings for the test suite: fast hashing, in-memory mail."""

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
AXES_FAILURE_LIMIT = 3
LOGGING["loggers"]["banyan"]["level"] = "WARNING"  # type: ignore[index]  # noqa: F405
