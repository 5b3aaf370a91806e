from django.apps import AppConfig


class BlogConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "blog"

    def ready(self):
        from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
        from taggit.models import TaggedItem

        from blog import related
        from blog.models import Category, Post, Series
        from portfolio.cache import register_content, register_schedule
        from portfolio.renditions import keep_renditions

        register_content(Category, Series, Post)
        register_schedule(Post.objects.next_publish_at)
        # Related-post rankings follow every change that can move them (see blog/related.py).
        pre_save.connect(related.remember_ranked_fields, sender=Post, dispatch_uid="related-pre-save")
        post_save.connect(related.post_saved, sender=Post, dispatch_uid="related-post-save")
        pre_delete.connect(related.post_deleting, sender=Post, dispatch_uid="related-pre-delete")
        post_delete.connect(related.post_deleted, sender=Post, dispatch_uid="related-post-delete")
        m2m_changed.connect(related.tags_changed, sender=TaggedItem, dispatch_uid="related-tags")
        keep_renditions(Post, "cover_image", "cover_renditions")
