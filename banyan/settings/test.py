"""Settings for the test suite: fast hashing, in-memory mail, an in-memory cache (a test
that needs the shared database cache asks for it: banyan/party/tests/test_kept.py)."""

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
AXES_FAILURE_LIMIT = 3
BANYAN_LOGIN_ADDRESS_LIMIT = 8
LOGGING["loggers"]["banyan"]["level"] = "WARNING"  # type: ignore[index]  # noqa: F405
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
