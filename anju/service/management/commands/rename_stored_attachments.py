"""Rename attachment files stored under the uploader's name to product-chosen names (issue 11)."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = (
        "Give attachment files stored under the uploader's name a random name with the extension of "
        "the type their content says (rows and downloads keep working; safe to run again)."
    )

    def handle(self, *args, **options):
        from anju.service.services import attachment_rename_stored

        result = attachment_rename_stored(actor=None)
        self.stdout.write(_("Stored attachment files renamed: %(renamed)s renamed, %(kept)s kept") % result)
