from django.core.management.base import BaseCommand, CommandError

from anju.core.services import ServiceValidationError
from anju.system import backup, services


class Command(BaseCommand):
    help = "Replaces EVERY row of the database with the rows of a backup file written by `backup`."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Backup file (.jsonl.gz) written by `manage.py backup`.")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Do not ask for confirmation.",
        )

    def handle(self, *args, file, interactive=True, **options):
        try:
            header = backup.read_header(file)
        except (backup.BackupError, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from exc
        if interactive:
            answer = input(
                f"This deletes every row of the database and loads the backup of {header['created']}.\n"
                "Type 'yes' to continue: "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled.")
        try:
            result = services.backup_restore(actor=None, path=file)
        except ServiceValidationError as exc:
            raise CommandError(" ".join(str(m) for msgs in exc.errors.values() for m in msgs)) from exc
        self.stdout.write(self.style.SUCCESS(f"Restored {result.total} rows from {file}"))
