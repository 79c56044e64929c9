"""WSGI entry point for granian/gunicorn."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commonground.config.settings.dev")

application = get_wsgi_application()
