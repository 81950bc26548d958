from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("service", "0004_workbench_counters")]

    operations = [
        migrations.AddIndex(
            model_name="reception",
            index=models.Index(fields=["received_at"], name="service_rec_received"),
        ),
    ]
