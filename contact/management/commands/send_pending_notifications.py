from django.core.management.base import BaseCommand

from contact.notifications import pending, send_owner_notification


class Command(BaseCommand):
    help = (
        "Email the owner about every message and booking not yet emailed (e.g. because SMTP was down). "
        "A row that failed waits 1, 2, 4 … minutes (at most an hour) before its next try; run this every few minutes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="Ignore the backoff and try every unsent row now.")

    def handle(self, *args, now, **options):
        rows = pending(ignore_backoff=now)
        results = {"sent": 0, "failed": 0, "skipped": 0}
        for row in rows:
            results[send_owner_notification(row)] += 1
        self.stdout.write(
            f"{len(rows)} due: {results['sent']} sent, {results['failed']} failed, {results['skipped']} skipped."
        )
        if results["failed"]:
            self.stderr.write("Some notifications failed; they stay queued and will be retried.")
