"""Content types (and with them permissions, operation-log rows and admin log entries) of the models
that moved from the service context to the task engine follow them: service.task → tasks.task, …"""

from django.db import migrations

MOVED = (
    "calendarday",
    "calendaryear",
    "workinghours",
    "escalationstep",
    "task",
    "taskevent",
    "escalationlog",
    "taskcounter",
)


def _move(apps, schema_editor, old, new):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MOVED:
        if ContentType.objects.using(db).filter(app_label=new, model=model).exists():
            continue  # already there (a fresh database's post_migrate ran first)
        ContentType.objects.using(db).filter(app_label=old, model=model).update(app_label=new)


def forwards(apps, schema_editor):
    _move(apps, schema_editor, "service", "tasks")


def backwards(apps, schema_editor):
    _move(apps, schema_editor, "tasks", "service")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("tasks", "0001_initial"),
        ("service", "0009_task_engine_state_2"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
