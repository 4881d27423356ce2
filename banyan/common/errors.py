"""The one domain error family; views turn it into a form error, the API into a 400."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain was broken; `message` is for the person who acted."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field or "__all__", "message": str(self.message)}


class ValidationFailed(DomainError):
    """Input was rejected; `field` names the input and `message` the reason."""


class InvalidTransition(DomainError):
    """The object is not in the state the action expects (someone else acted first)."""


class StaleEdit(DomainError):
    """The edit was based on an older version of the object: someone changed it since.

    `current` is the version now, `changed` the fields changed since the edit's version
    (as far as the history names them), `obj` the object as it is now (locked when
    raised), so an edge can show what changed and offer the edit again.
    """

    def __init__(self, message: str, *, current: int, changed: list[str], obj: object) -> None:
        super().__init__(message, field="version")
        self.current = current
        self.changed = changed
        self.obj = obj


class VersionRequired(DomainError):
    """An edit came without the version it was based on (the API answers 428)."""
