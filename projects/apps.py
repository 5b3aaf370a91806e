from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "projects"

    def ready(self):
        from portfolio.cache import register_content, register_schedule
        from portfolio.panels import register_panel
        from portfolio.renditions import keep_renditions
        from projects.models import Project, build_log_panel

        register_content(Project)
        register_schedule(Project.objects.next_publish_at)
        register_panel("post_footer", build_log_panel)
        keep_renditions(Project, "cover_image", "cover_renditions")
