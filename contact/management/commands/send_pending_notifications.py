from django.core.management.base import BaseCommand

from contact.models import BookingRequest
from contact.notifications import pending, send_owner_notification


class Command(BaseCommand):
    help = (
        "Email the owner about every message and booking not yet emailed (e.g. because SMTP was down), "
        "and resend any booking invite, decline or cancellation whose email failed. "
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
        # Invites, declines and cancellations whose send failed when the status changed.
        unsent = list(BookingRequest.objects.status_email_unsent())
        errors = [error for _, error in (booking.send_status_email() for booking in unsent) if error]
        if unsent:
            self.stdout.write(f"{len(unsent)} booking emails: {len(unsent) - len(errors)} sent, {len(errors)} failed.")
        if results["failed"] or errors:
            self.stderr.write("Some notifications failed; they stay queued and will be retried.")
