"""Encryption at rest for ID numbers, and a keyed hash for exact lookup and uniqueness.

Both keys are derived from settings.BANYAN_DATA_KEY with HKDF so that one
secret in the environment serves both purposes without reusing key material.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


def _derive(key: str, info: bytes) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"banyan", info=info)
    return hkdf.derive(key.encode())


@lru_cache(maxsize=4)
def _fernet(key: str) -> Fernet:
    # Derive from `key`, not the setting: the cache is keyed on `key`, and a key-rotation job
    # that asks for the old key while the setting holds the new one must get the old one.
    return Fernet(base64.urlsafe_b64encode(_derive(key, b"id-number-encryption")))


@lru_cache(maxsize=4)
def _hash_key(key: str) -> bytes:
    return _derive(key, b"id-number-lookup")


def encrypt(value: str) -> str:
    return _fernet(settings.BANYAN_DATA_KEY).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet(settings.BANYAN_DATA_KEY).decrypt(token.encode()).decode()


def lookup_hash(value: str) -> str:
    """HMAC-SHA256 hex of the canonical value: equal inputs match, the column reveals nothing."""
    return hmac.new(_hash_key(settings.BANYAN_DATA_KEY), value.encode(), hashlib.sha256).hexdigest()
