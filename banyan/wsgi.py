import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "banyan.settings.local")
application = get_wsgi_application()

# A wrong BANYAN_DATA_KEY stops the server here, before it serves a page that would fail.
from banyan.common.datakey import require_matching_key  # noqa: E402

require_matching_key()
