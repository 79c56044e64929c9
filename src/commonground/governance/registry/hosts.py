"""What a registry host is: a hostname or ``*.`` wildcard as CSP host-sources will carry it.

Deliberately narrower than CSP's host-source grammar: no scheme (the policy is HTTPS-only),
no path, no port, no IP address (vendors serve from names; an address in a policy breaks
silently when it moves) and no bare ``*`` or wildcard over a top-level domain (either would
switch the policy off). Names are stored lower case and IDNA-encoded (UTS #46), so
``Bücher.Example`` and ``xn--bcher-kva.example`` are one host.
"""

import ipaddress
import re
import unicodedata

import idna
from django.core.exceptions import ValidationError

MAX_LENGTH = 253
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def normalise_host(value: str) -> str:
    """The host in its stored form, or ValidationError saying what is wrong with it."""
    host = (value or "").strip()
    _refuse_more_than_a_host(host)
    wildcard = host.startswith("*.")
    name = host[2:] if wildcard else host
    if "*" in name:
        raise ValidationError(
            f"“{host}”: a wildcard may only stand for the first label, as in *.example.com."
        )
    name = name.removesuffix(".")
    try:
        encoded = idna.encode(name, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError) as error:
        raise ValidationError(f"“{host}” is not a valid host name ({error}).") from None
    labels = encoded.split(".")
    if wildcard and len(labels) < 2:
        raise ValidationError(f"“{host}”: a wildcard must be over a domain, e.g. *.example.com.")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise ValidationError(f"“{host}” is not a valid host name, e.g. cdn.example.com.")
    if labels[-1].isdigit():
        raise ValidationError(f"“{host}” is not a valid host name (numeric top-level domain).")
    result = f"*.{encoded}" if wildcard else encoded
    if len(result) > MAX_LENGTH:
        raise ValidationError(f"A host name has at most {MAX_LENGTH} characters.")
    return result


def _refuse_more_than_a_host(host: str) -> None:
    """ValidationError for a value that is empty or more than a host: spaces, invisible
    characters, a scheme, a path, a user name, an IP address or a port."""
    if not host:
        raise ValidationError("Enter a host name, e.g. cdn.example.com.")
    if any(character.isspace() for character in host):
        raise ValidationError(f"“{host}” contains spaces; enter one host per line.")
    if any(unicodedata.category(character) in {"Cc", "Cf"} for character in host):
        # UTS #46 would drop a zero-width character silently: a different-looking host.
        raise ValidationError(f"“{host}” is not a valid host name (invisible characters).")
    if "://" in host or host.lower().startswith(("http:", "https:")):
        raise ValidationError(f"“{host}”: enter the host without the scheme (no https://).")
    if any(character in host for character in "/?#"):
        raise ValidationError(f"“{host}”: enter the host alone, without a path.")
    if "@" in host:
        raise ValidationError(f"“{host}”: enter the host alone, without a user name.")
    if _is_ip_address(host):
        raise ValidationError(f"“{host}” is an IP address; enter the vendor's host name.")
    if ":" in host:
        raise ValidationError(f"“{host}”: enter the host without a port.")


def _is_ip_address(host: str) -> bool:
    candidate = host.strip("[]")
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        pass
    else:
        return True
    # IPv4 with a port ("10.0.0.1:8080") is still an address.
    head = candidate.rsplit(":", 1)[0]
    try:
        ipaddress.ip_address(head)
    except ValueError:
        return False
    return True


def host_matches(pattern: str, host: str) -> bool:
    """Whether ``host`` (normalised) is ``pattern`` or, for ``*.d``, a subdomain of d."""
    if pattern.startswith("*."):
        return host.endswith(pattern[1:]) and host != pattern[2:]
    return host == pattern
