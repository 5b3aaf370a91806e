from django.core.management.base import BaseCommand

from blog.models import Post


class Command(BaseCommand):
    help = (
        "Re-render every post's stored HTML, table of contents, reading time and search text, "
        "after the Markdown or sanitising rules change. Does not change 'updated' dates."
    )

    def handle(self, *args, **options):
        total = Post.objects.count()
        changed = 0
        for number, post in enumerate(Post.objects.order_by("pk").iterator(chunk_size=200), start=1):
            if post.render_body():
                # update(), not save(): re-rendering is not an edit, so updated_at and redirects stay as they are.
                Post.objects.filter(pk=post.pk).update(
                    body_html=post.body_html,
                    toc=post.toc,
                    reading_time=post.reading_time,
                    search_text=post.search_text,
                )
                changed += 1
            if number % 50 == 0 or number == total:
                self.stdout.write(f"  {number}/{total} posts checked, {changed} re-rendered")
        self.stdout.write(self.style.SUCCESS(f"Done: {changed} of {total} posts re-rendered."))
