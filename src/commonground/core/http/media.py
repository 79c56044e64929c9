"""Uploaded files served by the app itself (when no CDN or object store serves them): Django's
static ``serve``, behind a check that the path can name a file at all.

A path segment longer than a file name may be (255 bytes on the file systems we run on) made
the file system raise ``OSError: File name too long``, a 500; such a path, or one with a NUL
or control character, names no file we could hold, so it is a 404 like any missing file.
"""

import re
from pathlib import Path

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.views.static import serve

MAX_NAME_BYTES = 255
MAX_PATH_BYTES = 1024
_CONTROL = re.compile("[\x00-\x1f\x7f]")


def can_name_a_file(path: str) -> bool:
    """Whether ``path`` (relative, "/"-separated) could be a file's name on disk."""
    encoded = path.encode("utf-8", "surrogateescape")
    if len(encoded) > MAX_PATH_BYTES or _CONTROL.search(path):
        return False
    return all(len(segment) <= MAX_NAME_BYTES for segment in encoded.split(b"/"))


def serve_media(
    request: HttpRequest, path: str, document_root: str | Path
) -> HttpResponse | FileResponse:
    if not can_name_a_file(path):
        raise Http404("No such file.")
    return serve(request, path, document_root=str(document_root))
