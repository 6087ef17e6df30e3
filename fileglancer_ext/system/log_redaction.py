"""Keeping link secrets out of logs: share tokens and short-link keys are credentials.

`redact` shortens every token or key in a text to its first characters (enough to tell
links apart); `SecretsFilter` applies it to whole log records (message, arguments and
traceback), and `install` puts it on tornado's loggers and ours, so that also the lines
tornado writes itself (an uncaught exception, "Invalid unicode in url", a 404 of a route
that did not match) never hold a whole token.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

# A token or key after one of the routes that take one, also percent-encoded (a viewer
# URL inside another URL's query): /fileglancer/s/{token}, /fileglancer/s3/{token},
# /fileglancer/view/{token}, /fileglancer/v/{key}, /fileglancer/api/short-links/{key}.
# The first 4 characters stay.
_SECRET_IN_PATH = re.compile(
    r"(fileglancer(?:/|%2f)(?:s|s3|view|v|api(?:/|%2f)short-links)(?:/|%2f)[A-Za-z0-9_-]{4})"
    r"[A-Za-z0-9_-]+",
    re.IGNORECASE,
)

# Where tornado and the extension log: tornado's three loggers (Jupyter renames them but
# they stay these objects) and the extension's module loggers under this package.
TORNADO_LOGGERS = ("tornado.access", "tornado.application", "tornado.general")
PACKAGE_LOGGER = "fileglancer_ext"


def redact(text: str) -> str:
    """`text` with every share token and short-link key cut to its first characters."""
    return _SECRET_IN_PATH.sub(r"\1...", text)


class SecretsFilter(logging.Filter):
    """Rewrites a record so that no handler or formatter can show a whole secret: the
    message is formatted with its arguments, then redacted, and so is its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format: leave it to the handler's error reporting
            return True
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_FILTER = SecretsFilter()


def install(extra: Iterable[logging.Logger] = ()) -> None:
    """Put the filter on tornado's loggers, the package's loggers and `extra` (e.g. the
    Jupyter server's own), and on their handlers, which also see the records of child
    loggers that propagate to them. Idempotent."""
    loggers = [logging.getLogger(name) for name in TORNADO_LOGGERS]
    loggers.append(logging.getLogger(PACKAGE_LOGGER))
    # Module loggers (`getLogger(__name__)`) exist once their module is imported.
    loggers += [
        logger
        for name, logger in logging.Logger.manager.loggerDict.items()
        if name.startswith(PACKAGE_LOGGER + ".") and isinstance(logger, logging.Logger)
    ]
    loggers += extra
    for logger in loggers:
        for target in (logger, *logger.handlers):
            if _FILTER not in target.filters:
                target.addFilter(_FILTER)
