"""WSGI application object, served by gunicorn (see serve.sh)."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jwtsite.settings")

application = get_wsgi_application()
