"""Keeping secrets out of everything the monitor shows: URLs without credentials, masked values."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "****"

# Query parameters that commonly carry credentials (pre-signed S3 URLs, API tokens).
_SECRET_QUERY_KEYS = re.compile(
    r"(key|token|secret|password|passwd|signature|credential|auth)", re.IGNORECASE
)


def redact_url(url: str) -> str:
    """Return ``url`` without user info and with credential-like query values masked."""
    try:
        parts = urlsplit(url)
        netloc = parts.hostname or ""
        if parts.port:
            netloc = f"{netloc}:{parts.port}"
    except ValueError:  # its message may quote part of the URL, credentials included
        return MASK
    query = parts.query
    if query:
        pairs = [
            (k, MASK if _SECRET_QUERY_KEYS.search(k) else v)
            for k, v in parse_qsl(query, keep_blank_values=True)
        ]
        query = urlencode(pairs, safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def scrub(text: str, secrets: list[str] | tuple[str, ...]) -> str:
    """Replace every occurrence of each non-empty secret in ``text`` with the mask."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, MASK)
    return text
