"""A few high-volume URLs answered by plain WSGI apps, ahead of Django.

The analytics endpoints take one small POST per page view from every visitor; Django's
request and response objects and the page stack in front of them (WhiteNoise's file lookup,
the page cache, sessions, CSRF, authentication, messages, Wagtail's redirects) do nothing
for them but cost more than the work itself. The front door sends those exact paths to WSGI
apps and everything else to Django. The apps' owners also put Django views for the same
paths in the URL map, so ``runserver`` and the test client answer them identically.

Django's request_started/request_finished signals are not sent; their one job that matters
here, retiring database connections that are broken or past CONN_MAX_AGE, is done directly,
at most once a second and only for connections that are open: these apps rarely touch the
database. An exception is logged and answered with a plain 500, as Django would.
"""

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.db import connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("django.request")

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class FrontDoor:
    def __init__(self, app: WSGIApp, routes: Mapping[str, WSGIApp]) -> None:
        self.app = app
        self.routes = dict(routes)
        self._connections_checked_at = 0.0

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        route = self.routes.get(environ.get("PATH_INFO", ""))
        if route is None:
            return self.app(environ, start_response)
        try:
            return route(environ, start_response)
        except Exception:
            logger.exception("Internal Server Error: %s", environ.get("PATH_INFO"))
            body = b"Internal Server Error\n"
            start_response(
                "500 Internal Server Error",
                [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))],
            )
            return [body]
        finally:
            now = time.monotonic()
            if now - self._connections_checked_at > 1.0:
                self._connections_checked_at = now
                for connection in connections.all(initialized_only=True):
                    if connection.connection is not None:
                        connection.close_if_unusable_or_obsolete()


_ALIVE = b"ok\n"


def alive(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """Liveness for load balancers: the process answers HTTP. Touches nothing else."""
    start_response(
        "200 OK",
        [
            ("Content-Type", "text/plain"),
            ("Cache-Control", "no-store"),
            ("Content-Length", str(len(_ALIVE))),
        ],
    )
    return [_ALIVE]


def alive_view(request: HttpRequest) -> HttpResponse:
    """The same answer for servers without the front door (``runserver``, the test client)."""
    response = HttpResponse(_ALIVE, content_type="text/plain")
    response["Cache-Control"] = "no-store"
    return response
