"""QR posters: each building's unguessable intake token (existing buildings get one now;
later ones when their poster is first printed)."""

import secrets

import banyan.casework.models
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def tokens_for_existing_buildings(apps, schema_editor):
    Building = apps.get_model("places", "Building")
    BuildingIntake = apps.get_model("casework", "BuildingIntake")
    ids = list(Building.objects.filter(intake__isnull=True).values_list("id", flat=True))
    batch = []
    for building_id in ids:
        batch.append(BuildingIntake(building_id=building_id, token=secrets.token_urlsafe(12)))
        if len(batch) == 1000:
            BuildingIntake.objects.bulk_create(batch)
            batch = []
    BuildingIntake.objects.bulk_create(batch)


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0002_default_case_categories'),
        ('places', '0004_facility_kind_community'),
    ]

    operations = [
        migrations.CreateModel(
            name='BuildingIntake',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('token', models.CharField(default=banyan.casework.models.new_intake_token, max_length=32, unique=True)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('building', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='intake', to='places.building')),
            ],
        ),
        migrations.RunPython(tokens_for_existing_buildings, migrations.RunPython.noop),
    ]
