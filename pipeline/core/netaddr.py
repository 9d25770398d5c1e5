"""Where traffic goes: whether a host name or address never leaves this machine."""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    """localhost or an address of 127.0.0.0/8 or ::1 (traffic that never leaves the machine)."""
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
