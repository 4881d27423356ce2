"""WGS84 coordinates: the one cleaner every form, API schema and service uses, and the
database constraint that keeps a bad value out of every table that holds one.

A coordinate is stored as DECIMAL(9, 6): six places (about 0.1 m) and at most three
digits before the point. A value the column cannot hold must never reach it: on SQLite
it would be stored anyway and then fail every read of the row (every list that shows
it), on PostgreSQL the insert fails. So the range is checked on the exact value, before
rounding, and the database checks it again.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Literal

from django.db import models
from django.utils.translation import gettext as _

from .errors import ValidationFailed

Axis = Literal["lat", "lng"]
LIMITS: dict[str, int] = {"lat": 90, "lng": 180}
PLACES = Decimal("0.000001")
# A coordinate written out needs a dozen characters; anything far longer is not one.
MAX_TEXT_LENGTH = 40


def clean_coordinate(value: object, field: str, *, axis: Axis) -> Decimal | None:
    """A latitude (axis "lat", ±90) or longitude ("lng", ±180) in degrees, rounded to six
    places; None or "" is None. Accepts int, float, Decimal or text; anything else, text
    that is no number, NaN, infinities and values out of range raise ValidationFailed
    naming `field`."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    # bool is an int to Python, but `true` is no coordinate.
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise ValidationFailed(_("Give the coordinate as a number of degrees."), field=field)
    if isinstance(value, str) and len(value) > MAX_TEXT_LENGTH:
        raise ValidationFailed(_("Give the coordinate as a number of degrees."), field=field)
    try:
        if isinstance(value, str):
            number = Decimal(value.strip())
        elif isinstance(value, float):
            # str() keeps a float's shortest form (0.1, not 0.1000000000000000055…).
            number = Decimal(str(value))
        else:
            number = Decimal(value)
    except (InvalidOperation, ValueError):
        raise ValidationFailed(
            _("Give the coordinate as a number of degrees."), field=field
        ) from None
    limit = LIMITS[axis]
    # NaN and infinities are Decimals too; compare only finite values.
    if not number.is_finite() or not -limit <= number <= limit:
        raise ValidationFailed(
            _("Give a number of degrees from -%(limit)s to %(limit)s.") % {"limit": limit},
            field=field,
        )
    return number.quantize(PLACES, rounding=ROUND_HALF_EVEN)


def coordinate_constraints(prefix: str, lat: str = "lat", lng: str = "lng") -> list:
    """CHECK constraints for a model's (nullable) coordinate columns, named after `prefix`
    (the model): a row with a coordinate out of range cannot be written."""
    return [
        models.CheckConstraint(
            condition=models.Q(**{f"{name}__isnull": True})
            | models.Q(**{f"{name}__gte": -LIMITS[axis], f"{name}__lte": LIMITS[axis]}),
            name=f"{prefix}_{name}_in_range",
        )
        for name, axis in ((lat, "lat"), (lng, "lng"))
    ]


def clean_point(
    lat: object, lng: object, *, fields: tuple[str, str] = ("lat", "lng")
) -> tuple[Decimal | None, Decimal | None]:
    """Both coordinates of a point cleaned, or neither given: half a point places nothing.
    `fields` names them as the caller's input does (Open311 says "long")."""
    lat_field, lng_field = fields
    point = (
        clean_coordinate(lat, lat_field, axis="lat"),
        clean_coordinate(lng, lng_field, axis="lng"),
    )
    if (point[0] is None) != (point[1] is None):
        missing = lat_field if point[0] is None else lng_field
        raise ValidationFailed(
            _("Give %(lat)s and %(lng)s together.") % {"lat": lat_field, "lng": lng_field},
            field=missing,
        )
    return point
