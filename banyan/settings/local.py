"""Development and demo settings: `make demo` serves with these."""

import os

from .base import *  # noqa: F403

DEBUG = os.environ.get("DEBUG", "") == "1"
# Serve static files straight from the apps so the demo needs no collectstatic step.
WHITENOISE_USE_FINDERS = True
