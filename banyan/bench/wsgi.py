"""The WSGI application the benchmark serves with gunicorn: the site, with its
settings (DJANGO_SETTINGS_MODULE, default banyan.settings.local) and every
middleware, answering from banyan.bench.urls — the site's routes plus /bench/ping.
"""

import os

import django
from django.core.handlers.wsgi import WSGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "banyan.settings.local")
django.setup(set_prefix=False)


class BenchHandler(WSGIHandler):
    def get_response(self, request):  # type: ignore[no-untyped-def]
        # Django resolves against request.urlconf when a request carries one.
        request.urlconf = "banyan.bench.urls"
        return super().get_response(request)


application = BenchHandler()
