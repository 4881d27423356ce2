"""Is BANYAN_DATA_KEY the key this database was written with? (SECURITY.md 21)

After a restore with another key the app would start, then every reveal and person edit
would fail and ID search would find nothing. So the database keeps a key check value
(`DataKeyCheck`: the key's fingerprint and a constant encrypted with it), written after
`migrate` on a database whose encrypted data the key reads (or that has none yet), and
compared with the configured key:

- by a system check (runserver, `manage.py check`, `migrate`): an error stops them;
- by the WSGI application as it loads (banyan/wsgi.py): gunicorn's workers refuse to boot.

A key listed in BANYAN_OLD_DATA_KEYS that matches the record means a rotation is under
way: the app runs (it reads with either key) and the check warns until
`manage.py rotate_data_key` has finished.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from cryptography.fernet import InvalidToken
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections

from . import crypto

CHECK_PLAINTEXT = "banyan-data-key-check"
_SAMPLE = 20


class KeyState(enum.Enum):
    MATCH = "match"  # the record is the current key's
    ROTATING = "rotating"  # the record is an old key's: rotate_data_key has not finished
    UNRECORDED = "unrecorded"  # no record, and the current key reads the data there is
    MISMATCH = "mismatch"  # neither the current key nor an old one wrote this database
    NO_TABLE = "no_table"  # not migrated yet: nothing to check


@dataclass(frozen=True)
class Verdict:
    state: KeyState
    message: str = ""


def fingerprint(key: str) -> str:
    return crypto.hash_with(key, "banyan:data-key-check")


def _table_exists(using: str) -> bool:
    from .models import DataKeyCheck

    connection = connections[using]
    with connection.cursor() as cursor:
        return DataKeyCheck._meta.db_table in connection.introspection.table_names(cursor)


def _sample_tokens(using: str) -> list[str]:
    """A few stored tokens from each registered column (whose tables exist)."""
    tokens: list[str] = []
    for column in crypto.ENCRYPTED_COLUMNS:
        model = apps.get_model(column.model)
        rows = (
            model._default_manager.using(using)
            .exclude(**{column.token_field: ""})
            .order_by("pk")
            .values_list(column.token_field, flat=True)[:_SAMPLE]
        )
        tokens.extend(rows)
    return tokens


def _reads_with_current_key(tokens: list[str]) -> bool:
    fernet = crypto._fernet(crypto.current_key())
    try:
        for token in tokens:
            fernet.decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def _mismatch(recorded: str | None) -> str:
    said = (
        f"this database was written with the key whose fingerprint begins {recorded[:8]}"
        if recorded
        else "the ID numbers stored in this database do not decrypt with it"
    )
    return (
        "BANYAN_DATA_KEY is not the key this database's ID numbers were encrypted with: "
        f"{said}; the configured key's fingerprint begins {fingerprint(crypto.current_key())[:8]}. "
        "Reveals, person edits and ID search would fail. Set BANYAN_DATA_KEY to the key the "
        "data was written with (the one kept with the backup). To change keys, set the new key "
        "in BANYAN_DATA_KEY, list the old one in BANYAN_OLD_DATA_KEYS and run "
        "`manage.py rotate_data_key` (docs/deployment.md)."
    )


def key_state(using: str = DEFAULT_DB_ALIAS) -> Verdict:
    """How the configured keys stand against the database's record."""
    from .models import DataKeyCheck

    if not _table_exists(using):
        return Verdict(KeyState.NO_TABLE)
    record = DataKeyCheck.objects.using(using).order_by("pk").first()
    if record is None:
        if _reads_with_current_key(_sample_tokens(using)):
            return Verdict(KeyState.UNRECORDED)
        return Verdict(KeyState.MISMATCH, _mismatch(None))
    current = crypto.current_key()
    if record.fingerprint == fingerprint(current):
        try:
            crypto._fernet(current).decrypt(record.check_token.encode())
        except InvalidToken:
            return Verdict(KeyState.MISMATCH, _mismatch(record.fingerprint))
        return Verdict(KeyState.MATCH)
    if any(record.fingerprint == fingerprint(old) for old in crypto.old_keys()):
        return Verdict(
            KeyState.ROTATING,
            "The data key is being changed: some ID numbers are still encrypted with a key in "
            "BANYAN_OLD_DATA_KEYS. Run `manage.py rotate_data_key` to finish, then remove the "
            "old key.",
        )
    return Verdict(KeyState.MISMATCH, _mismatch(record.fingerprint))


def record_current_key(using: str = DEFAULT_DB_ALIAS) -> None:
    """Write the current key's check value (the one row)."""
    from .models import DataKeyCheck

    key = crypto.current_key()
    values = {
        "fingerprint": fingerprint(key),
        "check_token": crypto._fernet(key).encrypt(CHECK_PLAINTEXT.encode()).decode(),
    }
    record = DataKeyCheck.objects.using(using).order_by("pk").first()
    if record is None:
        DataKeyCheck.objects.using(using).create(**values)
    else:
        DataKeyCheck.objects.using(using).filter(pk=record.pk).update(**values)


def ensure_recorded(using: str = DEFAULT_DB_ALIAS) -> Verdict:
    """Record the current key when nothing is recorded and it reads the data there is."""
    verdict = key_state(using)
    if verdict.state is KeyState.UNRECORDED:
        record_current_key(using)
        return Verdict(KeyState.MATCH)
    return verdict


def require_matching_key(using: str = DEFAULT_DB_ALIAS) -> None:
    """At start-up: ImproperlyConfigured, saying what to do, when the key does not fit."""
    verdict = ensure_recorded(using)
    if verdict.state is KeyState.MISMATCH:
        raise ImproperlyConfigured(verdict.message)
