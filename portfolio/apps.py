from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save


class PortfolioConfig(AppConfig):
    name = "portfolio"
    verbose_name = "Site & home page"

    def ready(self):
        from portfolio.cache import content_changed
        from portfolio.uploads import reencode_image_fields

        for signal in (post_save, post_delete, m2m_changed):
            signal.connect(content_changed, dispatch_uid=f"content-version-{signal!r}")
        # Every model's image uploads, so no byte of an uploaded file is served as it came.
        pre_save.connect(reencode_image_fields, dispatch_uid="reencode-image-uploads")
