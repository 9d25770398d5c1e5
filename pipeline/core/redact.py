"""Hide the credentials a URL may carry (``scheme://user:password@host``) wherever a URL is shown.

A CKAN behind a proxy with basic authentication is reached as ``https://user:password@host``;
the address is used as given, but every message, plan file and log line shows it through
``redact_url`` or ``redact_text``, so the password never reaches a terminal, a cron log or
a file under output/.
"""

from __future__ import annotations

import re

HIDDEN = "***"
# scheme://userinfo@ : the userinfo runs to the last '@' before the path, as URL parsers read
# it, so a password with a raw '@' in it is hidden whole.
_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/?#\s@]*(?:@[^/?#\s@]*)*)@")


def _hide(match: re.Match[str]) -> str:
    """``user:password@`` -> ``user:***@``; a bare ``token@`` -> ``***@`` (it may be a token)."""
    user, colon, _secret = match.group("userinfo").partition(":")
    shown = f"{user}:{HIDDEN}" if colon else HIDDEN
    return f"{match.group('scheme')}{shown}@"


def redact_text(text: str) -> str:
    """``text`` with the credentials of every URL in it replaced by ``***``."""
    return _USERINFO.sub(_hide, text)


def redact_url(url: str) -> str:
    """One URL without its password (or its user name when that stands alone)."""
    return redact_text(url)


def has_credentials(url: str) -> bool:
    """Whether a URL carries a user name or password."""
    return bool(_USERINFO.search(url))
