"""Figures from the seed article, dates, and where things lie on the map.

No database access here: plain constants and small pure functions the planner uses.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.utils import timezone

from .. import names as N

# Identities are generated relative to this date, never to the day of the run.
BASE_DATE = dt.date(2026, 1, 1)
SURVEY_DATE = dt.date(2012, 3, 1)  # 2012年初: the first door-to-door survey of the grids
ARTICLE_DATE = dt.date(2019, 8, 15)

SEED_COMMUNITY = "倒生根社区"
SEED_BIG_COMPOUND = "皮鞋厂小区"
DISTRICT_NAME = "思茅区"
DISTRICT_CODE = "530802"
L1_NAMES = ["第一网格", "第二网格", "第三网格", "第四网格"]
L1_NAMES += ["第五网格", "第六网格", "第七网格", "第八网格"]

# Figures from the seed article, per community.
L1_GRIDS = 8
L2_PER_L1 = 3
GRID1_OLD_COMPOUNDS = 15
COMPOUNDS_WITHOUT_MANAGEMENT = 29
OTHER_COMPOUNDS = 45  # 60 compounds in all
BIG_COMPOUND_HOUSEHOLDS = 287
BUILDING_HEADS = 83
FLOATING_TARGET = 7200  # "流动人口达7000多人"
COMMUNITIES_PER_STREET = 10

# Map layout around the centre of Simao.
CENTER_LAT, CENTER_LNG = 22.78, 100.97
COMMUNITY_DLAT, COMMUNITY_DLNG, COMMUNITY_GAP = 0.012, 0.016, 0.002

Box = tuple[float, float, float, float]  # south, west, north, east


# --- small helpers ----------------------------------------------------------------------


def _days(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    """A day in [start, end] (start when the range is empty)."""
    if end <= start:
        return start
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def _years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    """An aware datetime on `day` in the project's time zone (Asia/Shanghai, no DST)."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=_tz())


def _tz() -> dt.tzinfo:
    return timezone.get_default_timezone()


def _dec(value: float) -> Decimal:
    return Decimal(f"{value:.6f}")


def _polygon(box: Box) -> dict[str, Any]:
    s, w, n, e = (round(v, 6) for v in box)
    return {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}


def _centre(box: Box) -> tuple[Decimal, Decimal]:
    s, w, n, e = box
    return _dec((s + n) / 2), _dec((w + e) / 2)


def _slot(box: Box, index: int, count: int, inset: float = 0.12) -> Box:
    """Cell `index` of `count` cells laid out on a near-square grid inside `box`."""
    cols = max(1, math.ceil(math.sqrt(count)))
    rows = max(1, math.ceil(count / cols))
    r, c = divmod(index, cols)
    s, w, n, e = box
    dlat, dlng = (n - s) / rows, (e - w) / cols
    top = n - r * dlat
    left = w + c * dlng
    return (
        top - dlat * (1 - inset),
        left + dlng * inset,
        top - dlat * inset,
        left + dlng * (1 - inset),
    )


def community_box(index: int, total: int) -> Box:
    cols = max(1, math.ceil(math.sqrt(total)))
    r, c = divmod(index, cols)
    south = CENTER_LAT - COMMUNITY_DLAT / 2 - r * (COMMUNITY_DLAT + COMMUNITY_GAP)
    west = CENTER_LNG - COMMUNITY_DLNG / 2 + c * (COMMUNITY_DLNG + COMMUNITY_GAP)
    return (south, west, south + COMMUNITY_DLAT, west + COMMUNITY_DLNG)


def _union(boxes: Sequence[Box]) -> Box:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _l1_box(comm: Box, k: int) -> Box:
    """Eight L1 grids: four rows of two, grid 1 top left."""
    s, w, n, e = comm
    row, col = divmod(k, 2)
    dlat, dlng = (n - s) / 4, (e - w) / 2
    top = n - row * dlat
    return (top - dlat, w + col * dlng, top, w + (col + 1) * dlng)


def _l2_box(l1: Box, j: int) -> Box:
    s, w, n, e = l1
    dlng = (e - w) / L2_PER_L1
    return (s, w + j * dlng, n, w + (j + 1) * dlng)


def community_names(total: int) -> list[str]:
    """倒生根社区 first, then other plausible names, deterministic for `total`."""
    out = [SEED_COMMUNITY]
    seen = set(out)
    for variant in N.COMMUNITY_VARIANTS:
        for word in N.COMMUNITY_WORDS:
            name = f"{word}{variant}社区"
            if name not in seen:
                seen.add(name)
                out.append(name)
    k = 2
    while len(out) < total:
        for word in N.COMMUNITY_WORDS:
            out.append(f"{word}第{k}社区")
        k += 1
    return out[:total]


def street_names(total: int) -> list[str]:
    out = list(N.STREET_NAMES)
    k = 2
    while len(out) < total:
        out += [f"{name[:-2]}第{k}街道" for name in N.STREET_NAMES]
        k += 1
    return out[:total]
