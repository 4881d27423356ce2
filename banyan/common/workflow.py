"""A workflow as one table: each row says everything the edges need to offer an action.

An app's `workflow.py` holds its table (`dict[str, Step]`, keyed by the action's code). The
services check a row's `sources` under a row lock; the pages build an action's form and
call from the same row (`form`, `service`, `params`, `done`), and the API its transition and
the schema's description of it (`api`, `params`' docs). Adding an action is one row; what
an edge cannot derive (a form's choices, turning an API id into an object) it keys by the
form's class or the parameter's name, never by the action.

Forms and services are named (a string looked up in the app's `forms` / `services`
module), not imported: the table sits below both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

SAME = ""  # Param.api / Step.api / Step.web: the same name as the service's or the action's


@dataclass(frozen=True)
class Param:
    """One keyword the action's service takes (besides the actor, the object and its
    version), filled from the web form's field of that name and the API body's `api`."""

    name: str
    doc: str = ""  # what the API body's field holds, for the schema's description
    api: str | None = SAME  # the API body's field; None: not over the API (a photo)

    @property
    def api_field(self) -> str | None:
        return self.name if self.api == SAME else self.api


@dataclass(frozen=True)
class Step:
    """One action of a workflow.

    `sources`: the states it may be taken from (None: any state, it moves nothing);
    `target`: the state it leads to (None: unchanged, or decided by the service).
    `caps`: the user needs one of these on the object; `when(obj)`: what else must hold
    for the pages to offer it (the service checks again).
    """

    label: Any  # lazily translated verb shown on buttons
    sources: frozenset[str] | None = None
    target: str | None = None
    service: str = ""  # the function's name in the app's services ("" : nobody's to take)
    params: tuple[Param, ...] = ()
    versioned: bool = True  # the call carries the version the user read
    caps: frozenset[str] = frozenset()
    when: Callable[[Any], bool] | None = None
    # The pages: the form's class name in the app's forms, the message once done, the
    # button's label when it differs from `label` (staff acting for a resident)...
    form: str = "EmptyForm"
    done: Any = ""
    web: str | None = SAME  # the action's name on the pages; None: not offered there
    web_label: Any = None
    inline: bool = True  # its form is built on the object's page (False: choices cost)
    multipart: bool = False
    danger: bool = False
    # The API: the transition's name (None: not offered there) and what its description
    # adds after the parameters.
    api: str | None = SAME
    api_note: str = ""
    fixed: tuple[tuple[str, Any], ...] = ()  # keywords the service always gets (hidden=True)

    @property
    def is_move(self) -> bool:
        return self.sources is not None

    def allows(self, state: str) -> bool:
        return self.sources is None or state in self.sources

    def offered(self, obj: Any, caps: frozenset[str], state: str) -> bool:
        """Whether a page offers the step on `obj` now to a user holding `caps`."""
        if self.caps and not caps & self.caps:
            return False
        if not self.allows(state):
            return False
        return self.when is None or bool(self.when(obj))


def named(table: Mapping[str, Step], edge: str) -> dict[str, tuple[str, Step]]:
    """{name on the edge ("web" or "api"): (action, step)} for the steps offered there."""
    out: dict[str, tuple[str, Step]] = {}
    for action, step in table.items():
        name = getattr(step, edge)
        if name is None or not step.service:
            continue
        out[name or action] = (action, step)
    return out


def service_kwargs(
    step: Step, values: Callable[[Param], Any], *, version: int | None, api: bool = False
) -> dict[str, Any]:
    """The service's keywords for `step` (besides the actor and the object): each
    parameter's value from `values` (over the API, only those the API sends), the fixed
    ones, and the version the user read when the step is versioned."""
    kwargs = {p.name: values(p) for p in step.params if not api or p.api_field is not None}
    kwargs.update(step.fixed)
    if step.versioned:
        kwargs["version"] = version
    return kwargs
