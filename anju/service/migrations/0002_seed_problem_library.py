from django.db import migrations


def forwards(apps, schema_editor):
    from anju.service.seed import seed

    seed(apps)


class Migration(migrations.Migration):
    dependencies = [("service", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
