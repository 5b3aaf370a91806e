from django.core.management.base import BaseCommand, CommandError

from portfolio.backups import BackupError, restore_backup
from portfolio.cache import bump_content_version


class Command(BaseCommand):
    help = "Restore an archive written by `backup` into an empty, migrated database (and the media storage)."

    def add_arguments(self, parser):
        parser.add_argument("archive", help="The .zip file written by `manage.py backup`.")

    def handle(self, *args, archive, **options):
        try:
            manifest = restore_backup(archive)
        except BackupError as error:
            raise CommandError(str(error)) from None
        bump_content_version()  # pages cached while the database was empty are stale now
        rows = sum(manifest["rows"].values())
        self.stdout.write(f"Restored {rows} rows and {len(manifest['media'])} media files from {archive}.")
