"""gunicorn reads this file from the working directory: in production its own lines are JSON, like the app's.

The access log is the app's (`portfolio.access`, with the request id and the trusted client address),
so gunicorn writes none of its own.
"""

import os

from gunicorn.glogging import Logger


class AppWritesTheAccessLog(Logger):
    """gunicorn's logger without its access records.

    Configuring logging (logconfig_dict) turns gunicorn's access log on, which formats a record for
    every request: a sixtieth of a cold page's time in a worker, more of a cached one's.
    """

    def access(self, resp, req, environ, request_time):
        pass


logger_class = AppWritesTheAccessLog

_debug = os.environ.get("DJANGO_DEBUG", "false").strip().lower() in {"1", "true", "yes", "on"}

if os.environ.get("DJANGO_LOG_FORMAT", "text" if _debug else "json") == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
                "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            }
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "loggers": {
            "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        },
    }
