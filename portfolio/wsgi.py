"""The WSGI application gunicorn serves: Django, behind the layer that answers warm page hits itself."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portfolio.settings")

django_application = get_wsgi_application()

from portfolio.warm_hits import WarmHits  # noqa: E402 (needs the settings configured above)

application = WarmHits(django_application)
