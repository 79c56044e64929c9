"""What other apps may call in analytics."""

from .models import TrackedSite, normalise_domain


def ensure_tracked_site(*, domain: str, name: str) -> TrackedSite:
    """The tracked site for ``domain``, created if it does not exist yet."""
    site, _ = TrackedSite.objects.get_or_create(
        domain=normalise_domain(domain), defaults={"name": name}
    )
    return site
