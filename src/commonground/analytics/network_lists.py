"""Lists of IP addresses and networks, as IT types them (a tracked site's excluded networks):
parsed and checked here, for the admin form that stores them and the ingest that applies them."""

import ipaddress

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_NETWORKS = 200
MAX_NETWORK_LINE = 100


class NetworkListError(ValueError):
    """A line of an excluded-networks list that is not an address or network."""


def parse_networks(text: str) -> tuple[IPNetwork, ...]:
    """The networks of a list, one a line (blank lines and ``# comments`` allowed).

    A bare address is a one-address network; host bits set in a network (10.1.2.3/8) are
    refused, as they usually mean a typing error. Raises NetworkListError naming the line.
    """
    networks: list[IPNetwork] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if len(line) > MAX_NETWORK_LINE:
            raise NetworkListError(f"Line {number} is too long to be an address or network.")
        try:
            network = ipaddress.ip_network(line, strict=True)
        except ValueError as error:
            if "has host bits set" in str(error):
                raise NetworkListError(
                    f"Line {number}: “{line}” has host bits set; the network is "
                    f"{ipaddress.ip_network(line, strict=False)}."
                ) from None
            raise NetworkListError(
                f"Line {number}: “{line}” is not an IP address or network "
                "(e.g. 203.0.113.7, 198.51.100.0/24 or 2001:db8::/32)."
            ) from None
        networks.append(network)
        if len(networks) > MAX_NETWORKS:
            raise NetworkListError(f"List at most {MAX_NETWORKS} addresses or networks.")
    return tuple(networks)


def normalised_network_list(text: str) -> str:
    """The list as stored: one network a line, in canonical form, each once."""
    return "\n".join(dict.fromkeys(str(network) for network in parse_networks(text)))


def address_in(ip: str, networks: tuple[IPNetwork, ...]) -> bool:
    if not networks:
        return False
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:203.0.113.7 is 203.0.113.7
    return any(address in network for network in networks)
