"""Shared facility kinds (区域设施) every community maps.

`FACILITY_KINDS` is also read by the demo generator to restore reference rows a
test flush may have removed, so this list is the one place they are defined.
"""

from django.db import migrations

# (code, name, name_en)
FACILITY_KINDS = [
    ("activity_venue", "活动场地", "Activity venue"),
    ("gate", "门禁道闸", "Access gate"),
    ("parking", "停车标识", "Parking marks"),
    ("service_post", "服务驿站", "Service post"),
    ("rest_pavilion", "热心凉亭", "Rest pavilion"),
    ("wish_tree", "微心愿树", "Wish tree"),
    ("service_hall", "社区服务大厅", "Community service hall"),
    ("repair_centre", "物业服务中心", "Property-repair service centre"),
]


def create_kinds(apps, schema_editor):
    FacilityKind = apps.get_model("places", "FacilityKind")
    for code, name, name_en in FACILITY_KINDS:
        FacilityKind.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en}
        )


def remove_kinds(apps, schema_editor):
    FacilityKind = apps.get_model("places", "FacilityKind")
    FacilityKind.objects.filter(
        code__in=[k[0] for k in FACILITY_KINDS], facilities__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("places", "0002_initial"),
    ]

    operations = [
        migrations.RunPython(create_kinds, remove_kinds),
    ]
