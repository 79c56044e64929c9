"""WSGI entry point for granian/gunicorn: Django, with the front door for ingest."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commonground.config.settings.dev")

django_application = get_wsgi_application()

# Imported once Django is set up: they use models and settings.
from commonground.analytics.ingest.endpoints import event_wsgi, umami_send_wsgi  # noqa: E402
from commonground.core.http.front_door import FrontDoor, alive  # noqa: E402

application = FrontDoor(
    django_application,
    {"/api/event": event_wsgi, "/api/send": umami_send_wsgi, "/-/alive": alive},
)
