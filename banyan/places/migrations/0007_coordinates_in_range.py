"""Coordinates are WGS84 degrees or nothing: a check constraint on every lat/lng column
(banyan.common.coordinates). A value out of range was never a place and made every page
that read the row fail, so such values are cleared first (both of the pair), or the
constraint could not be added."""

from django.db import migrations, models
from django.db.models import Q

OUT_OF_RANGE = Q(lat__lt=-90) | Q(lat__gt=90) | Q(lng__lt=-180) | Q(lng__gt=180)


def clear_impossible_coordinates(apps, schema_editor):
    for name in ("Node", "Compound", "Building", "Facility"):
        apps.get_model("places", name).objects.filter(OUT_OF_RANGE).update(lat=None, lng=None)


class Migration(migrations.Migration):

    dependencies = [
        ('places', '0006_version'),
    ]

    operations = [
        migrations.RunPython(clear_impossible_coordinates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='building',
            constraint=models.CheckConstraint(condition=models.Q(('lat__isnull', True), models.Q(('lat__gte', -90), ('lat__lte', 90)), _connector='OR'), name='building_lat_in_range'),
        ),
        migrations.AddConstraint(
            model_name='building',
            constraint=models.CheckConstraint(condition=models.Q(('lng__isnull', True), models.Q(('lng__gte', -180), ('lng__lte', 180)), _connector='OR'), name='building_lng_in_range'),
        ),
        migrations.AddConstraint(
            model_name='compound',
            constraint=models.CheckConstraint(condition=models.Q(('lat__isnull', True), models.Q(('lat__gte', -90), ('lat__lte', 90)), _connector='OR'), name='compound_lat_in_range'),
        ),
        migrations.AddConstraint(
            model_name='compound',
            constraint=models.CheckConstraint(condition=models.Q(('lng__isnull', True), models.Q(('lng__gte', -180), ('lng__lte', 180)), _connector='OR'), name='compound_lng_in_range'),
        ),
        migrations.AddConstraint(
            model_name='facility',
            constraint=models.CheckConstraint(condition=models.Q(('lat__isnull', True), models.Q(('lat__gte', -90), ('lat__lte', 90)), _connector='OR'), name='facility_lat_in_range'),
        ),
        migrations.AddConstraint(
            model_name='facility',
            constraint=models.CheckConstraint(condition=models.Q(('lng__isnull', True), models.Q(('lng__gte', -180), ('lng__lte', 180)), _connector='OR'), name='facility_lng_in_range'),
        ),
        migrations.AddConstraint(
            model_name='node',
            constraint=models.CheckConstraint(condition=models.Q(('lat__isnull', True), models.Q(('lat__gte', -90), ('lat__lte', 90)), _connector='OR'), name='node_lat_in_range'),
        ),
        migrations.AddConstraint(
            model_name='node',
            constraint=models.CheckConstraint(condition=models.Q(('lng__isnull', True), models.Q(('lng__gte', -180), ('lng__lte', 180)), _connector='OR'), name='node_lng_in_range'),
        ),
    ]
