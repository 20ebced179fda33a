"""What the officer puts in the enrolment code field: the code the admin read out, or the
link of the QR code on the admin's page, ``petasinyal://enrol?server=<address>&code=<code>``
(pasted after scanning it with the camera), which also tells the server's address.

Standard library only (runs on the phone and in the tests without Kivy).
"""

from __future__ import annotations

from typing import NamedTuple
from urllib.parse import parse_qs, urlsplit

__all__ = ["EnrolLinkError", "Enrolment", "parse_enrolment", "parse_opened_link"]

SCHEME = "petasinyal"
_PATHS = ("enrol", "enroll")
MAX_LINK = 512  # the admin's link is about 100 characters; anything far longer is not one


class EnrolLinkError(ValueError):
    """A link that is not a whole enrolment link; ``args[0]`` is an Indonesian message."""


class Enrolment(NamedTuple):
    """The code, and the server's address when the link told it (``None`` for a code)."""

    server: str | None
    code: str


def _looks_like_link(text: str) -> bool:
    return "://" in text or text.lower().startswith(f"{SCHEME}:")


def parse_enrolment(text: str) -> Enrolment:
    """The server (or ``None``) and the code in ``text``; raise :class:`EnrolLinkError` for
    a link without a code, or with a server address that is not http(s)."""
    text = "".join(text.split())  # a pasted link may carry line breaks or spaces
    if not _looks_like_link(text):
        return Enrolment(None, text)
    parts = urlsplit(text)
    query = parse_qs(parts.query)
    if parts.scheme.lower() == SCHEME:
        place = (parts.netloc or parts.path).strip("/").lower()
        if place not in _PATHS:
            raise EnrolLinkError("Tautan ini bukan tautan pendaftaran PetaSinyal")
    code = (query.get("code") or [""])[0].strip()
    if not code:
        raise EnrolLinkError("Tautan pendaftaran tanpa kode: pindai lagi kode QR dari admin")
    server = (query.get("server") or [""])[0].strip().rstrip("/") or None
    if server is None and parts.scheme.lower() in ("http", "https"):
        server = f"{parts.scheme}://{parts.netloc}"  # a link to the server's own page
    if server is not None and not server.lower().startswith(("http://", "https://")):
        raise EnrolLinkError("Alamat server harus diawali http:// atau https://")
    return Enrolment(server, code)


def parse_opened_link(text: str) -> Enrolment:
    """The enrolment in a link that opened the app (a scanned QR code, a tapped link, or any
    app sending the activity an intent): only a whole ``petasinyal://enrol`` link of sensible
    length with printable parts, else :class:`EnrolLinkError`."""
    if len(text) > MAX_LINK:
        raise EnrolLinkError("Tautan terlalu panjang: pindai lagi kode QR dari admin")
    try:
        if urlsplit(text.strip()).scheme.lower() != SCHEME:
            raise EnrolLinkError("Tautan ini bukan tautan pendaftaran PetaSinyal")
        enrolment = parse_enrolment(text)
    except EnrolLinkError:
        raise
    except ValueError:  # urlsplit: a broken address such as "petasinyal://[enrol"
        raise EnrolLinkError("Tautan ini bukan tautan pendaftaran PetaSinyal") from None
    if not all(part.isprintable() for part in (enrolment.server or "", enrolment.code)):
        raise EnrolLinkError("Tautan ini bukan tautan pendaftaran PetaSinyal")
    return enrolment
