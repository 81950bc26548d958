from django.db import models

from anju.org.access import ScopeSpec


class Finding(models.Model):
    """A toy source's own record: one finding of an inspection, worked on as one task."""

    title = models.CharField(max_length=100)
    task = models.OneToOneField("tasks.Task", on_delete=models.PROTECT, related_name="toy_finding")
    done = models.BooleanField(default=False)
    events = models.JSONField(default=list)  # the actions on_event was told about, in order

    scope = ScopeSpec(project="task__project")

    def __str__(self):
        return self.title
