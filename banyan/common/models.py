"""What the common app keeps: the record of which data key the database was written with."""

from __future__ import annotations

from django.db import models


class DataKeyCheck(models.Model):
    """One row: the fingerprint of the data key the encrypted columns were written with
    (an HMAC of a constant, which reveals nothing of the key) and a known constant
    encrypted with it. Checked at start-up (banyan.common.datakey); rewritten by
    `rotate_data_key` once every row is under the new key."""

    fingerprint = models.CharField(max_length=64)
    check_token = models.TextField()
    recorded_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"data key {self.fingerprint[:8]}"
