"""Optimistic concurrency for rows that people edit: a row's `version` counts its changes,
an edit names the version it was based on, and the service refuses a stale one under
its row lock (common.errors.StaleEdit → a 409 over the API, the form again on the web).

Every save of an existing row that changes a value bumps the version, whichever
service makes it, so no service can forget to: the row keeps the values it was read
with and compares them at save(). It remembers which fields changed until the
service's event records them (timeline.services.record), which is how "what changed
since version n" is answered later (timeline.versions). A save that changes nothing,
or only bookkeeping columns (`updated_at`), bumps nothing.

Why not django-concurrency: it checks the version held by the instance at save(), but
our services re-read the row under `select_for_update` first, so that instance is
always current and its check cannot fail; the version a person based an edit on has
to be compared with the locked row, and "what changed meanwhile" needs the event
stream anyway.
"""

from __future__ import annotations

import copy
from typing import Any, ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

# Columns that record when, not what: saving only these is not a change.
BOOKKEEPING = frozenset({"updated_at", "version"})


class Versioned(models.Model):
    """Mixin for a model whose rows are edited: adds `version` (1 on creation)."""

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    # Columns stored apart that a person knows under one name (an ID number is kept
    # encrypted, hashed and masked): "what changed" names them by that name.
    VERSION_ALIASES: ClassVar[dict[str, str]] = {}
    # Fields shown through another attribute when telling someone what changed (a phone
    # is shown masked): {field: attribute}.
    VERSION_SHOWN: ClassVar[dict[str, str]] = {}
    # Columns worked out from others (a sort key, a name's initials): they change with
    # their source, which names the change; on their own they are not an edit.
    VERSION_DERIVED: ClassVar[frozenset[str]] = frozenset()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding:
            super().save(*args, **kwargs)
            self._remember_saved()
            return
        update_fields = kwargs.get("update_fields")
        if update_fields is None:
            written = [f.name for f in self._meta.concrete_fields if not f.primary_key]
        else:
            written = list(update_fields)
        changed = self._changed(written)
        if changed:
            self.version += 1
            if update_fields is not None:
                kwargs["update_fields"] = [*written, "version"]
            self.__dict__.setdefault("_unrecorded_changes", set()).update(changed)
        super().save(*args, **kwargs)
        self._remember_saved()

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> Any:
        instance = super().from_db(db, field_names, values)
        instance._remember_saved()
        return instance

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        super().refresh_from_db(*args, **kwargs)
        self._remember_saved()

    def _remember_saved(self) -> None:
        """Keep the values as the database has them, to tell a change from a re-save
        (a JSON value is copied: it could be changed in place)."""
        values = self.__dict__
        self.__dict__["_saved_values"] = {
            f.attname: copy.deepcopy(values[f.attname])
            if isinstance(values[f.attname], dict | list)
            else values[f.attname]
            for f in self._meta.concrete_fields
            if f.attname in values
        }

    def _changed(self, names: list[str]) -> set[str]:
        saved = self.__dict__.get("_saved_values", {})
        attnames = {f.name: f.attname for f in self._meta.concrete_fields}
        out = set()
        for name in names:
            if name in BOOKKEEPING or name in self.VERSION_DERIVED:
                continue
            attname = attnames.get(name, name)
            if attname not in saved or saved[attname] != self.__dict__.get(attname):
                out.add(self.VERSION_ALIASES.get(name, name))
        return out

    def take_changes(self) -> list[str]:
        """The fields saved since the last call (for the event that records them)."""
        return sorted(self.__dict__.pop("_unrecorded_changes", ()))

    def shown_value(self, field: str) -> Any:
        """The value of `field` as it may be shown to someone editing the row."""
        return getattr(self, self.VERSION_SHOWN.get(field, field))
