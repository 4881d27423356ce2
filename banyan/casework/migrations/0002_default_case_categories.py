"""The seed's everyday needs as shared case categories (a community adds its own)."""

from django.db import migrations

# code, Chinese, English, kind, default route, deadline hours, resident confirms
CATEGORIES = [
    ("environment", "垃圾清运与环境卫生", "Garbage and environment", "request", "grid", 48, True),
    ("parking", "停车问题", "Parking", "request", "grid", 72, True),
    ("roof_leak", "屋顶漏水", "Roof leak", "repair", "repair", 72, True),
    ("blocked_pipe", "管道堵塞", "Blocked pipe", "repair", "repair", 24, True),
    ("illegal_structure", "私搭乱建", "Illegal structure", "hazard", "grid", 240, False),
    ("paperwork", "证明与代办", "Certificates and paperwork (代办)", "request", "window", 120, True),
    ("social_assistance", "社会救助（低保等）", "Social assistance (低保 …)", "request", "window",
     240, True),
    ("elderly_care", "养老助老", "Elderly care", "request", "grid", 72, True),
    ("neighbour_dispute", "邻里纠纷", "Neighbour dispute", "dispute", "grid", 336, True),
    ("safety_hazard", "安全隐患", "Safety hazard", "hazard", "grid", 24, False),
]


def forwards(apps, schema_editor):
    CaseCategory = apps.get_model("casework", "CaseCategory")
    for order, (code, name, name_en, kind, route, hours, confirm) in enumerate(CATEGORIES):
        CaseCategory.objects.update_or_create(
            community=None,
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "kind": kind,
                "default_route": route,
                "deadline_hours": hours,
                "needs_confirmation": confirm,
                "public": kind != "dispute",
                "sort_order": order * 10,
            },
        )


def backwards(apps, schema_editor):
    CaseCategory = apps.get_model("casework", "CaseCategory")
    CaseCategory.objects.filter(community=None, code__in=[c[0] for c in CATEGORIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("casework", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
