from django.core.management.base import BaseCommand
from django.utils import timezone

from portfolio.backups import write_backup


class Command(BaseCommand):
    help = "Write one portable archive (.zip) of the site: every row as JSON plus every media file."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="Where to write it (default: backup-<UTC time>.zip here).")

    def handle(self, *args, output=None, **options):
        path = output or f"backup-{timezone.now():%Y%m%d-%H%M%S}.zip"
        manifest = write_backup(path)
        rows = sum(manifest["rows"].values())
        self.stdout.write(f"Wrote {path}: {rows} rows, {len(manifest['media'])} media files.")
