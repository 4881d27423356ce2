"""The shared cache's table (settings.CACHES), made wherever `migrate` runs so that no
deployment can miss it; `createcachetable` does nothing for a cache kept elsewhere."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
