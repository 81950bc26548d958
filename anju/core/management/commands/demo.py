from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from anju.core.registry import demo_builders


class Command(BaseCommand):
    help = "Builds the demo organisation, users and data of every module (refuses in production)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off (known passwords!)."
        )
        parser.add_argument(
            "--url",
            default="http://127.0.0.1:8000/",
            help="Where the product is served, for the sign-in hint (scripts/run.sh passes its BIND).",
        )

    def handle(self, *args, force=False, url="http://127.0.0.1:8000/", **options):
        if not settings.DEBUG and not settings.TESTING and not force:
            raise CommandError(
                "Refusing to load demo data with DEBUG off: it creates users with published passwords. "
                "Use --force only on a throw-away installation."
            )
        if get_user_model().objects.filter(username="admin").exists():
            self.stdout.write("Demo data is already loaded (user 'admin' exists); nothing to do.")
            return
        context: dict = {"stdout": self.stdout, "passwords": []}
        with transaction.atomic():
            for builder in sorted(demo_builders, key=lambda b: b.order):
                builder.build(context)
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded. Sign in at {url.rstrip('/')}/admin/ with:"))
        for username, password, description in context["passwords"]:
            self.stdout.write(f"  {username:<12} {password:<12} {description}")
