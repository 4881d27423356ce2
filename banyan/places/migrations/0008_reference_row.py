"""The shared-or-per-community reference rows now share one abstract base
(places.models.ReferenceRow). Only the community field's help text changes: no column,
constraint or row does (sqlmigrate: no-op)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("places", "0007_coordinates_in_range"),
    ]

    operations = [
        migrations.AlterField(
            model_name="facilitykind",
            name="community",
            field=models.ForeignKey(
                blank=True,
                help_text="Empty when every community uses it.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="places.node",
            ),
        ),
    ]
