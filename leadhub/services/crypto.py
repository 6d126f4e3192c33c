"""Secrets at rest (bot tokens, webhook URLs): encrypted with a key derived from LEADHUB_SECRET_KEY,
so a copied database file or backup does not hand out the team's integrations.

Fernet (AES-128-CBC + HMAC-SHA256) with its key derived by HKDF-SHA256 from the app's secret
key. Changing LEADHUB_SECRET_KEY makes stored secrets unreadable: `decrypt` then raises
IntegrationError and the admin enters the secret again.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from leadhub.config import get_settings
from leadhub.services.errors import IntegrationError

_HKDF_INFO = b"leadhub/integration-secrets/v1"
MASK = "••••"


@lru_cache(maxsize=4)
def _fernet(secret_key: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(
        secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def encrypt(plaintext: str) -> str:
    """Ciphertext (URL-safe text) of `plaintext`, for a database column."""
    return _fernet(get_settings().secret_key).encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    """The stored secret, or IntegrationError when it was encrypted under another key."""
    try:
        return _fernet(get_settings().secret_key).decrypt(ciphertext.encode()).decode()
    except (InvalidToken, ValueError) as exc:
        raise IntegrationError("A stored secret cannot be read (was LEADHUB_SECRET_KEY changed?). "
                               "Enter it again in Settings.") from exc


def mask(secret: str | None, visible: int = 4) -> str:
    """'••••abcd': enough to recognise a secret, never enough to use it."""
    if not secret:
        return ""
    if len(secret) <= visible * 2:
        return MASK
    return MASK + secret[-visible:]
