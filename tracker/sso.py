"""Which issuers single sign-on accepts, read from Streamlit's ``[auth]`` secrets (issue #10, #24).

OpenID Connect Discovery 1.0 §4.3: the ``issuer`` a provider publishes, and so the ``iss`` claim of
its tokens, is exactly the URL its ``server_metadata_url`` is built on, less
``/.well-known/openid-configuration``. So each configured provider names its own issuer, and a token
from any other issuer is refused. ``TRACKER_SSO_ISSUERS`` (comma-separated) replaces the derived list
for a provider whose metadata lives elsewhere.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

ISSUERS_ENV = "TRACKER_SSO_ISSUERS"
_WELL_KNOWN = "/.well-known/openid-configuration"


def issuer_of(server_metadata_url: str) -> str | None:
    """The issuer a discovery URL stands for, or None if the URL is not a discovery URL."""
    url = server_metadata_url.strip()
    return url[: -len(_WELL_KNOWN)] if url.endswith(_WELL_KNOWN) and len(url) > len(_WELL_KNOWN) else None


def configured_issuers(auth: Mapping[str, Any] | None, environ: Mapping[str, str] | None = None) -> list[str]:
    """Issuers of the ``[auth]`` section's providers (the default one and each named sub-section)."""
    override = (environ if environ is not None else os.environ).get(ISSUERS_ENV, "")
    if override.strip():
        return [part.strip() for part in override.split(",") if part.strip()]
    if not auth:
        return []
    sections = [auth, *(value for value in auth.values() if isinstance(value, Mapping))]
    issuers = [issuer_of(str(s["server_metadata_url"])) for s in sections if "server_metadata_url" in s]
    return [i for i in issuers if i]
