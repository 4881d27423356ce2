"""Make the medium size and the thumbnail of every photo stored before they existed.

Run once after upgrading (and any time: a photo that has its sizes is skipped, so it can
be stopped and run again). Until a photo has its sizes, pages show the photo itself in
their place: nothing breaks meanwhile, pages are only heavier.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db.models import Q

from banyan.common.images import SIZES, PhotoSizes, make_sizes

BATCH = 200


class Command(BaseCommand):
    help = "Make the medium size and thumbnail of stored photos that have none yet."

    def handle(self, *args: Any, **options: Any) -> None:
        for model in apps.get_models():
            if not issubclass(model, PhotoSizes):
                continue
            missing = Q()
            for name in SIZES:
                missing |= Q(**{name: ""})
            made = failed = 0
            # A row may have no photo at all (a visit without one): nothing to make. (`image`
            # is each model's own field, which the abstract PhotoSizes cannot declare.)
            no_photo = Q(**{"image": ""})
            rows = model._default_manager.filter(missing).exclude(no_photo).order_by("pk")
            for row in rows.iterator(chunk_size=BATCH):
                try:
                    made += make_sizes(row)
                except (OSError, ValueError) as err:  # a lost or unreadable file
                    failed += 1
                    self.stderr.write(f"{model._meta.label} {row.pk}: {err}")
            self.stdout.write(f"{model._meta.label}: {made} made, {failed} failed")
