"""The enrolment code page: the code shown once, as text and as a QR code the phone app takes.

Issuing a code is a POST that redirects to a page showing it (Post/Redirect/Get), so a
refresh never issues another code. Between the two the code waits in the admin's signed
session cookie for at most :data:`SHOW_SECONDS`; the page takes it out, so it is shown once
(a refresh shows "already shown"). The QR code holds an enrolment link,
``petasinyal://enrol?server=<this server>&code=<code>``, drawn here as inline SVG (no image
service sees the code).
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

import qrcode
from flask import current_app, request, session
from markupsafe import Markup

__all__ = ["SHOW_SECONDS", "enrol_link", "keep_code", "qr_svg", "server_address", "take_code"]

SHOW_SECONDS = 120  # from issuing the code to showing it (one redirect)
_KEY = "enrol_code"


def keep_code(user_id: int, username: str, code: str, expires: str) -> None:
    """Hold a freshly issued code for the page that shows it."""
    session[_KEY] = {
        "user": user_id,
        "name": username,
        "code": code,
        "expires": expires,
        "at": time.time(),
    }


def take_code(user_id: int) -> dict[str, Any] | None:
    """The code kept for ``user_id``'s page, once: it leaves the session whatever happens."""
    kept = session.pop(_KEY, None)
    if not isinstance(kept, dict) or kept.get("user") != user_id:
        return None
    if not 0 <= time.time() - float(kept.get("at") or 0) <= SHOW_SECONDS:
        return None
    return kept


def server_address() -> str:
    """The address phones reach this server at: ``BASE_URL``, else the one of this request."""
    return str(current_app.config.get("BASE_URL") or request.host_url).rstrip("/")


def enrol_link(code: str) -> str:
    """The link the QR code holds; the app reads the server and the code from it."""
    return "petasinyal://enrol?" + urlencode({"server": server_address(), "code": code})


def qr_svg(text: str, label: str) -> Markup:
    """``text`` as a QR code in inline SVG, one path of black runs on white."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    qr.add_data(text)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    size = len(matrix)
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="qr" role="img" '
        f'viewBox="0 0 {size} {size}" shape-rendering="crispEdges" aria-label="{{}}">'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(runs)}"/></svg>'
    ).format(label)
