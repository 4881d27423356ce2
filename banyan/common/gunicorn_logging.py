"""gunicorn's own logs (its error log, and the access log when a deployment turns it on)
pass through the same filter as Django's (banyan.common.logging). The repository's
gunicorn.conf.py names this class; gunicorn reads that file from the directory it starts in.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger as _Logger

from .logging import ScrubPersonalData


class Logger(_Logger):
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if not any(isinstance(f, ScrubPersonalData) for f in handler.filters):
                    handler.addFilter(ScrubPersonalData())
