from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("bench", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="dataset",
            name="layers",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="layers added later (casework, party): their rows, time and processes",
            ),
        ),
    ]
