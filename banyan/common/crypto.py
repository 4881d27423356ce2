"""Encryption at rest for ID numbers, and a keyed hash for exact lookup and uniqueness.

Both keys are derived from settings.BANYAN_DATA_KEY with HKDF so that one
secret in the environment serves both purposes without reusing key material.

Rotation (docs/deployment.md): the new key goes into BANYAN_DATA_KEY and the old one
into BANYAN_OLD_DATA_KEYS. Values are always written with the current key; they are read
with any of the keys (cryptography's MultiFernet), and `lookup_hashes` gives a value's
hash under each, so exact search finds rows not yet rotated. `manage.py rotate_data_key`
then re-encrypts every registered column and recomputes its hashes with the new key.
Columns register themselves with `register_encrypted` (the registry's ID numbers).
Which key the database was written with is recorded and checked at start-up
(banyan.common.datakey).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


def _derive(key: str, info: bytes) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"banyan", info=info)
    return hkdf.derive(key.encode())


@lru_cache(maxsize=8)
def _fernet(key: str) -> Fernet:
    # Derive from `key`, not the setting: the cache is keyed on `key`, and a key-rotation job
    # that asks for the old key while the setting holds the new one must get the old one.
    return Fernet(base64.urlsafe_b64encode(_derive(key, b"id-number-encryption")))


@lru_cache(maxsize=8)
def _hash_key(key: str) -> bytes:
    return _derive(key, b"id-number-lookup")


def current_key() -> str:
    return settings.BANYAN_DATA_KEY


def old_keys() -> tuple[str, ...]:
    """Keys that still read (BANYAN_OLD_DATA_KEYS), newest first; never the current one."""
    current = current_key()
    keys = getattr(settings, "BANYAN_OLD_DATA_KEYS", ())
    return tuple(dict.fromkeys(k for k in keys if k and k != current))


@lru_cache(maxsize=8)
def _multi(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([_fernet(k) for k in keys])


def encrypt(value: str) -> str:
    return _fernet(current_key()).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    """The plaintext, read with the current key or an old one; InvalidToken when none fits."""
    return _multi((current_key(), *old_keys())).decrypt(token.encode()).decode()


def hash_with(key: str, value: str) -> str:
    return hmac.new(_hash_key(key), value.encode(), hashlib.sha256).hexdigest()


def lookup_hash(value: str) -> str:
    """HMAC-SHA256 hex of the canonical value: equal inputs match, the column reveals nothing."""
    return hash_with(current_key(), value)


def lookup_hashes(value: str) -> list[str]:
    """The value's hash under the current key and each old one: what an exact search must
    match while a rotation is under way."""
    return [hash_with(key, value) for key in (current_key(), *old_keys())]


def rotate(token: str) -> tuple[str, str]:
    """(the token re-encrypted with the current key, its plaintext)."""
    plaintext = decrypt(token)
    return encrypt(plaintext), plaintext


@dataclass(frozen=True)
class EncryptedColumn:
    """A column of Fernet tokens (and the column of their lookup hashes, if any)."""

    model: str  # "app_label.ModelName"
    token_field: str
    hash_field: str | None = None


ENCRYPTED_COLUMNS: list[EncryptedColumn] = []


def register_encrypted(model: str, token_field: str, hash_field: str | None = None) -> None:
    """Declare a column that `rotate_data_key` re-encrypts (called from AppConfig.ready)."""
    column = EncryptedColumn(model, token_field, hash_field)
    if column not in ENCRYPTED_COLUMNS:
        ENCRYPTED_COLUMNS.append(column)
