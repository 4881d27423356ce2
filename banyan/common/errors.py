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
