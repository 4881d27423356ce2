"""The seed's care rules, as shipped by migration 0002 (shared: no community).

`ensure_default_rules` puts them back where a test database was flushed (transactional
tests remove what data migrations wrote)."""

from __future__ import annotations

import importlib

from .models import Rule


def ensure_default_rules() -> None:
    migration = importlib.import_module("banyan.party.migrations.0002_default_rules")
    for code, name, name_en, subject, who, trigger, kind, cadence, count in migration.RULES:
        Rule.objects.get_or_create(
            community=None,
            code=code,
            valid_from=migration.START,
            defaults={
                "name": name,
                "name_en": name_en,
                "subject": subject,
                "who": who,
                "trigger": trigger,
                "contact_kind": kind,
                "cadence": cadence,
                "count": count,
                "responsible_role": "branch_secretary",
                "responsible_at": "branch",
            },
        )
