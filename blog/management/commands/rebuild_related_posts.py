from django.core.management.base import BaseCommand

from blog.related import rebuild_all


class Command(BaseCommand):
    help = "Rank every post's related posts again (needed only after a bulk import that bypassed save())."

    def handle(self, *args, **options):
        self.stdout.write(f"Ranked related posts for {rebuild_all()} posts.")
