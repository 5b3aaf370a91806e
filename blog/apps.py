from django.apps import AppConfig


class BlogConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "blog"

    def ready(self):
        from blog.models import next_scheduled_publish
        from portfolio.cache import register_schedule

        register_schedule(next_scheduled_publish)
