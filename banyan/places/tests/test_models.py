"""What the database itself refuses, whatever code writes the row."""

from __future__ import annotations

import importlib
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.db import DataError, IntegrityError, connection, transaction

from banyan.places.models import Building, Compound, Facility, FacilityKind, Node


@pytest.mark.parametrize(
    ("field", "value"), [("lat", 90.5), ("lat", -1000), ("lng", 180.5), ("lng", -999.999999)]
)
def test_the_database_refuses_a_coordinate_out_of_range(world, field, value):
    facility = Facility.objects.create(
        community=world.community,
        node=world.l2_1_1,
        kind=FacilityKind.objects.first(),
        name="服务驿站",
    )
    rows = {
        Node: world.l2_1_1.pk,
        Compound: world.compound_1_1.pk,
        Building: world.building_1_1.pk,
        Facility: facility.pk,
    }
    for model, pk in rows.items():
        # PostgreSQL's NUMERIC(9, 6) refuses ±1000 itself (DataError); the CHECK the rest.
        with pytest.raises((IntegrityError, DataError)), transaction.atomic():
            model.objects.filter(pk=pk).update(**{field: value})
        assert getattr(model.objects.get(pk=pk), field) is None, model
    # The ends of the range are places.
    Building.objects.filter(pk=world.building_1_1.pk).update(lat=-90, lng=180)


def test_the_migration_clears_impossible_coordinates_left_by_older_versions(world):
    """Rows written before the constraint existed: the migration clears them (both halves of
    the pair) so that it can add the constraint. SQLite can be told to skip CHECKs, which
    lets the test write such a row."""
    if connection.vendor != "sqlite":
        pytest.skip("writing a row the CHECK refuses needs SQLite's ignore_check_constraints")
    migration = importlib.import_module("banyan.places.migrations.0007_coordinates_in_range")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA ignore_check_constraints = ON")
        try:
            Building.objects.filter(pk=world.building_1_1.pk).update(lat=1000, lng=100)
            Compound.objects.filter(pk=world.compound_1_1.pk).update(lat=22.78, lng=100.97)
        finally:
            cursor.execute("PRAGMA ignore_check_constraints = OFF")
    migration.clear_impossible_coordinates(django_apps, None)
    building = Building.objects.values("lat", "lng").get(pk=world.building_1_1.pk)
    assert building == {"lat": None, "lng": None}
    compound = Compound.objects.get(pk=world.compound_1_1.pk)
    assert (compound.lat, compound.lng) == (Decimal("22.780000"), Decimal("100.970000"))
