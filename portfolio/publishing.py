"""What posts and projects share: a status, a publish time, one publishing rule, Markdown
rendered on save, plain search text, an address history that never leads to a 404, and the pages a
publish changes rendered into the page cache before anyone asks for them.
"""

from django.conf import settings
from django.contrib.redirects.models import Redirect
from django.db import models, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone

from portfolio.markdown import plain_text, render
from portfolio.renditions import responsive_body_image


class PublishableQuerySet(models.QuerySet):
    def published(self, until=None):
        """The one publishing rule: published, and its time has come (a future time means scheduled).

        `until` narrows it to items published by then. One upper bound, not two: given `published_at <=
        now AND published_at <= until`, SQLite searches its index from now and filters its way down.
        """
        return self.filter(status=Publishable.Status.PUBLISHED, published_at__lte=_publish_moment(until))

    def scheduled(self):
        return self.filter(status=Publishable.Status.PUBLISHED, published_at__gt=timezone.now())

    def next_publish_at(self):
        """When the next scheduled item goes live, or None (for the page cache's schedule)."""
        return self.scheduled().order_by("published_at").values_list("published_at", flat=True).first()


def _publish_moment(until):
    return timezone.now() if until is None else min(until, timezone.now())


def published_where(until=None):
    """published()'s rule for a written query over the table `t` (portfolio.rows): (SQL, values)."""
    return "t.status = %s AND t.published_at <= %s", [Publishable.Status.PUBLISHED, _publish_moment(until)]


class Publishable(models.Model):
    """An abstract page the owner writes in Markdown and publishes: subclasses add title, slug, summary and body."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    body_html = models.TextField(editable=False, default="")
    # What site search matches and quotes: the rendered body as plain text, never raw Markdown or HTML.
    search_text = models.TextField(editable=False, default="")
    status = models.CharField(
        max_length=10,
        choices=Status.choices,
        default=Status.DRAFT,
        help_text="Drafts are visible to you only. “Published” with a future time is scheduled.",
    )
    published_at = models.DateTimeField(
        "publish at",
        null=True,
        blank=True,
        help_text="When it goes live. A future time schedules it; empty means now, when you publish.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = PublishableQuerySet.as_manager()

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="published") | models.Q(published_at__isnull=False),
                name="%(app_label)s_%(class)s_published_has_date",
                violation_error_message="Published content needs a publish time.",
            )
        ]

    def save(self, *args, **kwargs):
        self.render_body()
        self.clean_publish_time()
        fields = ("slug", "status", "published_at")
        previous = type(self).objects.filter(pk=self.pk).only(*fields).first() if self.pk else None
        super().save(*args, **kwargs)
        # A draft's old address was never public, so only a live page leaves a redirect behind.
        if previous and previous.slug != self.slug and previous.is_live:
            self._redirect_from(previous.get_absolute_url())
        if self.is_live:
            warm_after_commit(type(self), [self.pk])
        elif self.is_scheduled:
            warm_after_commit(type(self), [self.pk], when=self.published_at)

    def clean(self):
        super().clean()
        # Before the constraint check in the admin's validation: publishing with no time means now.
        self.clean_publish_time()

    def clean_publish_time(self):
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()

    def warm_paths(self):
        """The public pages that show this item, rendered into the page cache after it is published.

        Subclasses add the lists, tags and feeds it appears in.
        """
        return [self.get_absolute_url()]

    def rendered_fields(self, rendered):
        """{field: value} derived from the rendered body; subclasses add their own (reading time, contents)."""
        return {"body_html": rendered.html, "search_text": plain_text(rendered.html)}

    def render_body(self):
        """Fill the fields derived from the Markdown body. Returns True when any of them changed.

        Our uploaded images in the body get their size and WebP renditions here (made the first time a
        file is used, read back after that), so the stored HTML never shifts as images load.
        """
        derived = self.rendered_fields(render(self.body, images=responsive_body_image))
        changed = any(getattr(self, name) != value for name, value in derived.items())
        for name, value in derived.items():
            setattr(self, name, value)
        return changed

    @property
    def is_live(self):
        """The same rule as PublishableQuerySet.published(), for one item in hand."""
        return self.status == self.Status.PUBLISHED and bool(self.published_at) and self.published_at <= timezone.now()

    @property
    def is_scheduled(self):
        return self.status == self.Status.PUBLISHED and bool(self.published_at) and self.published_at > timezone.now()

    @property
    def publication_state(self):
        """Draft, Scheduled or Live, in words, for the owner."""
        if self.is_live:
            return "Live"
        return "Scheduled" if self.is_scheduled else "Draft"

    def _redirect_from(self, old_path):
        """Readers and search engines following the old address get a 301 to the new one."""
        site_id, new_path = settings.SITE_ID, self.get_absolute_url()
        # Older addresses skip straight to the newest one, and the new address is no longer a redirect.
        Redirect.objects.filter(site_id=site_id, new_path=old_path).update(new_path=new_path)
        Redirect.objects.filter(site_id=site_id, old_path=new_path).delete()
        Redirect.objects.update_or_create(site_id=site_id, old_path=old_path, defaults={"new_path": new_path})


def warm_after_commit(model, pks, when=None):
    """Once the transaction commits, queue the warming of the pages these live items show on.

    On commit, so the task reads the committed rows (tags are saved after the item, in the admin) and
    the content version they left. A queue that is down costs the warming, never the save: the pages
    then render on their first read, as they would without it.

    `when`: items scheduled to go live then. Their task waits for that moment, on a queue that can wait
    (the database queue in production), so the readers and feed readers who arrive as a scheduled post
    goes live find its pages rendered. The inline queue can't wait: there the first reader renders them.
    If the item is rescheduled, the task left behind finds it not live yet and warms nothing.
    """
    if settings.PAGE_CACHE_SECONDS <= 0 or not pks:
        return
    label, pks = model._meta.label_lower, list(pks)

    def enqueue():
        # Imported here: defining a task loads the task backend, which model loading must not do.
        from portfolio.tasks import warm_published_pages

        task = warm_published_pages
        if when is not None:
            if not task.get_backend().supports_defer:
                return
            task = task.using(run_after=when)
        task.enqueue(label, pks)

    transaction.on_commit(enqueue, robust=True)


@receiver(post_delete, dispatch_uid="publishable-drop-redirects")
def drop_redirects_to_deleted_pages(sender, instance, **kwargs):
    """No redirect is left pointing at a page that is gone, however it was deleted (one, or in bulk)."""
    if isinstance(instance, Publishable):
        Redirect.objects.filter(site_id=settings.SITE_ID, new_path=instance.get_absolute_url()).delete()
