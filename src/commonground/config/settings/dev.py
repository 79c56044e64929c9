"""Development and demo settings: debug on, a throwaway secret, loopback hosts."""

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, DATA_DIR, LOGGING, SECRET_KEY, env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-never-use-in-production"
ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]"]

# The demo's console is for the addresses, the logins and what fails, not one JSON line per
# audit entry (loading the demo writes hundreds): in development the audit stream goes to
# var/audit.jsonl unless AUDIT_LOG_FILE names another file. Production keeps standard error.
if not env.str("AUDIT_LOG_FILE", default=""):
    LOGGING["handlers"]["audit_stream"] = {  # type: ignore[index]
        "class": "logging.handlers.WatchedFileHandler",
        "filename": str(DATA_DIR / "audit.jsonl"),
        "formatter": "audit_json",
        "delay": True,
    }
