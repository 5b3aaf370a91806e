from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_save


class PortfolioConfig(AppConfig):
    name = "portfolio"
    verbose_name = "Site & home page"

    def ready(self):
        from django.contrib.redirects.models import Redirect
        from django.urls import register_converter
        from taggit.models import Tag, TaggedItem

        from portfolio import publishing  # noqa: F401 (its signal handlers)
        from portfolio.cache import install_version_triggers, register_content
        from portfolio.models import FocusArea, SiteProfile, SocialLink
        from portfolio.tags import SlugConverter
        from portfolio.uploads import reencode_image_fields

        # Slugs in any script (`<uslug:slug>`), before any URLconf is loaded.
        register_converter(SlugConverter, "uslug")

        # Tags and redirects are shared by every app's pages, so the site registers them itself.
        register_content(SiteProfile, FocusArea, SocialLink, Tag, TaggedItem, Redirect)
        # After every migrate (and every test database flush), once all tables exist.
        post_migrate.connect(install_version_triggers, sender=self, dispatch_uid="content-version-triggers")
        # Every model's image uploads, so no byte of an uploaded file is served as it came.
        pre_save.connect(reencode_image_fields, dispatch_uid="reencode-image-uploads")
