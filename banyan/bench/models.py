"""What a benchmark database holds, so that a dataset is generated once and measured
many times, and its generation time stays on record next to the figures."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Dataset(models.Model):
    seed = models.IntegerField()
    communities = models.PositiveIntegerField()
    workers = models.PositiveSmallIntegerField(help_text="generator processes")
    seconds = models.FloatField(help_text="wall time of the generator")
    rows = models.JSONField(default=dict, help_text="rows written per table")
    built_at = models.DateTimeField(default=timezone.now)
    layers = models.JSONField(
        default=dict,
        blank=True,
        help_text="layers added later (casework, party): their rows, time and processes",
    )

    class Meta:
        ordering = ["-built_at"]

    def __str__(self) -> str:
        return f"{self.communities} communities, seed {self.seed}"
