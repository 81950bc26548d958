"""Recount the workbench counters (anju.service.counters) from the task and reception tables."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = "Recount the customer-service workbench counters from the task and reception tables."

    def handle(self, *args, **options):
        from anju.service.services import counter_rebuild

        result = counter_rebuild(actor=None)
        self.stdout.write(
            _("Workbench counters rebuilt: %(task_rows)s task rows, %(reception_rows)s reception rows")
            % result
        )
