"""`limit`/`offset` over a scoped queryset, answered as {"items": [...], "count": N}.

Pagination happens before serialisation so that per-page work (member counts, the
caller's capabilities per row) runs once per page in bulk, not once per row.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet

from .schemas import PageParams

M = TypeVar("M", bound=Model)


def page_of(qs: QuerySet[M], params: PageParams) -> tuple[list[M], int]:
    """The rows of one page and the total count (two queries, plus any prefetches)."""
    count = qs.count()
    if params.offset >= count:
        return [], count
    return list(qs[params.offset : params.offset + params.limit]), count


def page(items: list[Any], count: int) -> dict[str, Any]:
    return {"items": items, "count": count}
