"""Move every encrypted column to the current BANYAN_DATA_KEY (docs/deployment.md).

Set the new key in BANYAN_DATA_KEY and the old one in BANYAN_OLD_DATA_KEYS, then run
this. Each row is read with whichever key fits (MultiFernet), written again with the
new key, and its lookup hash recomputed with the new key. Rows go in batches, each in
its own transaction, so an interrupted run loses nothing and a second run finishes the
job (rows already under the new key are left as they are). Only when every row is done
is the database's key check value rewritten; after that the old key can be removed.
"""

from __future__ import annotations

from typing import Any

from cryptography.fernet import InvalidToken
from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from banyan.common import crypto
from banyan.common.datakey import KeyState, key_state, record_current_key


class Command(BaseCommand):
    help = "Re-encrypt every ID number (and recompute its lookup hash) with BANYAN_DATA_KEY."
    # The system checks refuse a key that does not match the database; this command is
    # how a deployment gets from one key to the other, so it runs without them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500, help="rows per transaction")

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        if not 1 <= batch_size <= 10_000:
            raise CommandError("--batch-size must be from 1 to 10000.")
        verdict = key_state()
        if verdict.state is KeyState.NO_TABLE:
            raise CommandError("The database is not migrated yet: run `manage.py migrate`.")
        if verdict.state is KeyState.MISMATCH:
            raise CommandError(
                "Neither BANYAN_DATA_KEY nor any key in BANYAN_OLD_DATA_KEYS is the key this "
                "database was written with: put the key it was written with in "
                "BANYAN_OLD_DATA_KEYS and run again. Nothing was changed."
            )
        total = 0
        for column in crypto.ENCRYPTED_COLUMNS:
            done = self._rotate_column(column, batch_size)
            total += done
            self.stdout.write(f"{column.model}.{column.token_field}: {done} rows re-encrypted")
        record_current_key()
        self.stdout.write(
            self.style.SUCCESS(
                f"Done: {total} rows re-encrypted; the database now records the current key. "
                "Remove the old key from BANYAN_OLD_DATA_KEYS."
            )
        )

    def _rotate_column(self, column: crypto.EncryptedColumn, batch_size: int) -> int:
        model = apps.get_model(column.model)
        fields = [column.token_field, *([column.hash_field] if column.hash_field else [])]
        current = crypto._fernet(crypto.current_key())
        last_pk: Any = None
        changed = 0
        while True:
            with transaction.atomic():
                rows = model._default_manager.select_for_update().exclude(
                    **{column.token_field: ""}
                )
                if last_pk is not None:
                    rows = rows.filter(pk__gt=last_pk)
                batch = list(rows.order_by("pk").only("pk", *fields)[:batch_size])
                if not batch:
                    return changed
                todo = []
                for row in batch:
                    token = getattr(row, column.token_field)
                    try:
                        plaintext = current.decrypt(token.encode()).decode()
                        new_token = token  # already under the new key
                    except InvalidToken:
                        try:
                            new_token, plaintext = crypto.rotate(token)
                        except InvalidToken as exc:
                            raise CommandError(
                                f"{column.model} {row.pk}: no configured key decrypts it. "
                                "Add the key it was written with to BANYAN_OLD_DATA_KEYS; "
                                "rows before it are done, run again to go on."
                            ) from exc
                    new_hash = crypto.lookup_hash(plaintext) if column.hash_field else None
                    if new_token != token or (
                        column.hash_field and getattr(row, column.hash_field) != new_hash
                    ):
                        setattr(row, column.token_field, new_token)
                        if column.hash_field:
                            setattr(row, column.hash_field, new_hash)
                        todo.append(row)
                model._default_manager.bulk_update(todo, fields)
                changed += len(todo)
                last_pk = batch[-1].pk
