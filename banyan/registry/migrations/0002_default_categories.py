"""Shared person categories (人员类别) every community uses: community=NULL.

`CATEGORIES` is also read by the demo generator to restore reference rows a test
flush may have removed, so this list is the one place they are defined.
"""

from django.db import migrations

# (code, name, name_en, sensitive, has_grade, has_validity)
CATEGORIES = [
    ("floating", "流动人口", "Floating population", False, False, False),
    ("dibao", "低保", "Subsistence allowance (dibao)", True, False, True),
    ("disabled", "残疾", "Disabled", True, True, False),
    ("empty_nest", "空巢老人", "Empty-nest elderly", False, False, False),
    ("living_alone", "独居", "Living alone", False, False, False),
    ("limited_mobility", "行动不便", "Limited mobility", True, False, False),
    ("elderly_80", "高龄老人", "Elderly (80+)", False, False, False),
    ("chronic_illness", "慢性病", "Chronic illness", True, False, False),
    ("retired", "退休", "Retired", False, False, False),
    ("laid_off", "下岗", "Laid off", False, False, False),
    ("working_away", "外出务工", "Working away", False, False, False),
    ("returned_graduate", "返乡创业", "Returned graduate entrepreneur", False, False, False),
    ("left_behind_child", "留守儿童", "Left-behind child", False, False, False),
]


def create_categories(apps, schema_editor):
    Category = apps.get_model("registry", "Category")
    for order, (code, name, name_en, sensitive, has_grade, has_validity) in enumerate(
        CATEGORIES, start=1
    ):
        Category.objects.update_or_create(
            community=None,
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "sensitive": sensitive,
                "has_grade": has_grade,
                "has_validity": has_validity,
                "sort_order": order * 10,
            },
        )


def remove_categories(apps, schema_editor):
    Category = apps.get_model("registry", "Category")
    Category.objects.filter(
        community=None, code__in=[c[0] for c in CATEGORIES], holders__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_categories, remove_categories),
    ]
