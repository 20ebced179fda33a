"""Secrets: device tokens and enrolment codes (stored as hashes), password hashing."""

from __future__ import annotations

import hashlib
import secrets

from werkzeug.security import check_password_hash, generate_password_hash

__all__ = ["check_password", "hash_password", "hash_secret", "new_enrol_code", "new_token"]

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud in the field


def new_token() -> str:
    """A device token: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def new_enrol_code() -> str:
    """A short code an officer types on the phone, e.g. ``K7Q2-M9XD``."""
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def hash_secret(secret: str) -> str:
    """SHA-256 of a high-entropy secret (tokens, codes): only the hash is stored."""
    normalised = secret.strip().upper() if len(secret.strip()) <= 9 else secret.strip()
    return hashlib.sha256(normalised.encode()).hexdigest()


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise ValueError("passwords need at least 8 characters")
    return generate_password_hash(password)


def check_password(stored: str, password: str) -> bool:
    return check_password_hash(stored, password)
