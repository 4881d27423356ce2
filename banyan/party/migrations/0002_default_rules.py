"""The seed's care rules as shared defaults (community empty): every community starts
with them and may change them; a change opens a community version from the next period."""

import datetime as dt

from django.db import migrations

START = dt.date(2000, 1, 1)

RULES = [
    # code, name, name_en, subject, who, trigger, kind, cadence, count
    (
        "mobile_call",
        "每月与流动党员通一次电话",
        "A phone call every month to each mobile member",
        "member",
        {"mobile": True, "in_service": False},
        "",
        "call",
        "every_n_months",
        1,
    ),
    (
        "home_visit",
        "每年对所有党员家访2次",
        "Two home visits a year to every member",
        "member",
        {"in_service": False},
        "",
        "home_visit",
        "times_per_year",
        2,
    ),
    (
        "hospital_visit",
        "党员住院3天内探望",
        "A hospital visit within 3 days of an admission",
        "member",
        {"in_service": False},
        "hospital_admission",
        "hospital_visit",
        "within_days",
        3,
    ),
    (
        "themed_day",
        "每个支部每月一次主题党日",
        "A themed party day in every branch every month",
        "branch",
        {},
        "",
        "themed_day",
        "every_n_months",
        1,
    ),
]


def add_rules(apps, schema_editor):
    Rule = apps.get_model("party", "Rule")
    for code, name, name_en, subject, who, trigger, kind, cadence, count in RULES:
        Rule.objects.update_or_create(
            community=None,
            code=code,
            valid_from=START,
            defaults={
                "name": name,
                "name_en": name_en,
                "subject": subject,
                "who": who,
                "trigger": trigger,
                "contact_kind": kind,
                "cadence": cadence,
                "count": count,
                "responsible_role": "branch_secretary",
                "responsible_at": "branch",
            },
        )


def remove_rules(apps, schema_editor):
    apps.get_model("party", "Rule").objects.filter(
        community=None, code__in=[r[0] for r in RULES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("party", "0001_initial")]

    operations = [migrations.RunPython(add_rules, remove_rules)]
