from django.core.management.base import BaseCommand

from anju.system import services


class Command(BaseCommand):
    help = "Writes a full backup of every row of every table (gzip'ed JSON lines) and logs it."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", "-o", help="File to write (default: a time-stamped file in ANJU_BACKUP_DIR)."
        )

    def handle(self, *args, output=None, **options):
        result = services.backup_create(actor=None, path=output)
        self.stdout.write(self.style.SUCCESS(f"Backup written: {result.path} ({result.total} rows)"))
        return None
