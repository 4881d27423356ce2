"""A case's public text (the resident's own words, moderated), the visit a case was
recorded at, a visit's purpose as a choice with a note and a photo, volunteer teams as a
choice.

Existing rows, treated safely:
- a case gets a public text only where a resident wrote it through a public channel with
  no staff account behind it (the QR poster, Open311); a staff case's "qr"/"api" channel
  (the JSON API let staff name those) becomes "api", staff through the API, and stays
  unpublished; Open311's own reports ("api" without staff) become "open311";
- a visit's free-text purpose becomes the choice it names, else "other" with the old text
  kept as its note.
"""

import banyan.casework.models
import django.db.models.deletion
from django.db import migrations, models


# The purposes visits were written with so far (the demo's among them), by choice.
PURPOSES = {
    "routine": ["日常走访", "例行走访", "走访", "routine visit"],
    "situation": ["了解家庭情况", "household situation"],
    "registry_check": ["核实人员信息", "核实信息", "registry check"],
    "care": ["关爱探访", "高龄老人探访", "探访", "care visit"],
    "follow_up": ["回访", "矛盾回访", "纠纷回访", "follow-up", "follow-up visit"],
    "policy": ["政策宣传", "policy outreach"],
}
BY_TEXT = {text.lower(): code for code, texts in PURPOSES.items() for text in texts}
LABELS = {code: texts[0] for code, texts in PURPOSES.items()}


def checks_now(schema_editor):
    """PostgreSQL: foreign-key checks of the rows changed here run at once, not at commit,
    so the indexes and column changes after them find no pending trigger events."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def public_text_for_resident_reports(apps, schema_editor):
    checks_now(schema_editor)
    Case = apps.get_model("casework", "Case")
    staff = Case.objects.filter(channel__in=["qr", "api"], entered_by__isnull=False)
    staff.update(channel="api", public_text="")
    Case.objects.filter(channel="api", entered_by__isnull=True).update(channel="open311")
    residents = Case.objects.filter(channel__in=["qr", "open311"], entered_by__isnull=True)
    for case in residents.only("pk", "description").iterator(chunk_size=1000):
        Case.objects.filter(pk=case.pk).update(public_text=case.description)


def no_public_text(apps, schema_editor):
    checks_now(schema_editor)
    Case = apps.get_model("casework", "Case")
    Case.objects.filter(channel="open311").update(channel="api")
    Case.objects.exclude(public_text="").update(public_text="")


def purpose_of(text):
    """(choice, note) for a free-text purpose: a known purpose, a known one with a note
    after a colon ("关爱探访：高龄老人"), else "other" with the text as the note."""
    text = text.strip()
    code = BY_TEXT.get(text.lower())
    if code is not None:
        return code, ""
    for separator in ("：", ":", " · "):
        head, found, rest = text.partition(separator)
        code = BY_TEXT.get(head.strip().lower()) if found else None
        if code is not None:
            return code, rest.strip()[:200]
    return "other", text[:200]


def purposes_as_choices(apps, schema_editor):
    checks_now(schema_editor)
    Visit = apps.get_model("casework", "Visit")
    for text in Visit.objects.values_list("purpose", flat=True).distinct().iterator():
        code, note = purpose_of(text)
        Visit.objects.filter(purpose=text).update(purpose=code, purpose_note=note)


def purposes_as_text(apps, schema_editor):
    checks_now(schema_editor)
    Visit = apps.get_model("casework", "Visit")
    for visit in Visit.objects.iterator():
        label = LABELS.get(visit.purpose)
        parts = [p for p in (label, visit.purpose_note) if p]
        visit.purpose = ": ".join(parts)[:200] or "其他"
        visit.save(update_fields=["purpose"])


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0005_photo_sizes'),
    ]

    operations = [
        migrations.AddField(
            model_name='case',
            name='from_visit',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='cases', to='casework.visit', verbose_name='recorded at the visit'),
        ),
        migrations.AddField(
            model_name='case',
            name='public_text',
            field=models.TextField(blank=True, verbose_name='public text'),
        ),
        migrations.AddField(
            model_name='case',
            name='public_text_hidden',
            field=models.BooleanField(default=False, verbose_name='public text hidden'),
        ),
        migrations.AddField(
            model_name='visit',
            name='photo',
            field=models.ImageField(blank=True, upload_to=banyan.casework.models.visit_photo_path, verbose_name='photo'),
        ),
        migrations.AddField(
            model_name='visit',
            name='purpose_note',
            field=models.CharField(blank=True, max_length=200, verbose_name='about'),
        ),
        migrations.AlterField(
            model_name='case',
            name='channel',
            field=models.CharField(choices=[('visit', 'Home visit'), ('phone', 'Phone'), ('walk_in', 'Walk-in'), ('building_head', 'Building head'), ('qr', 'QR poster'), ('open311', 'Open311 app'), ('api', 'Staff app (API)')], max_length=16, verbose_name='channel'),
        ),
        migrations.AlterField(
            model_name='case',
            name='team',
            field=models.CharField(blank=True, choices=[('red', 'Red: party members'), ('green', 'Green: environment'), ('blue', 'Blue: legal aid'), ('white', 'White: medical')], max_length=32, verbose_name='volunteer team'),
        ),
        migrations.RunPython(public_text_for_resident_reports, no_public_text),
        migrations.RunPython(purposes_as_choices, purposes_as_text),
        migrations.AlterField(
            model_name='visit',
            name='purpose',
            field=models.CharField(choices=[('routine', 'Routine visit'), ('situation', 'Household situation'), ('registry_check', 'Registry check'), ('care', 'Care visit'), ('follow_up', 'Follow-up visit'), ('policy', 'Policy outreach'), ('other', 'Other')], default='routine', max_length=20, verbose_name='purpose'),
        ),
    ]
