from django.apps import AppConfig


class BlogConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "blog"

    def ready(self):
        from blog.models import Category, Post, Series
        from portfolio.cache import register_content, register_schedule

        register_content(Category, Series, Post)
        register_schedule(Post.objects.next_publish_at)
