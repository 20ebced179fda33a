"""The sync client: batches of at most 5,000 readings, gzip, retries with exponential
backoff and jitter, resumes after interruption, never resends what the server accepted."""

from __future__ import annotations

import gzip
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests

from mobile.petasinyal_app.outbox import Outbox

__all__ = ["SyncClient", "SyncError", "SyncReport"]

_RETRY_STATUS = {429, 500, 502, 503, 504}


class SyncError(Exception):
    """Sync stopped: ``text`` (an Indonesian source string with ``{placeholders}``) and
    ``values`` say why in plain words; ``retry`` is True when trying later can help."""

    def __init__(self, text: str, values: dict[str, Any] | None = None, retry: bool = True):
        self.text, self.values, self.retry = text, dict(values or {}), retry
        super().__init__(text.format(**self.values))


@dataclass(slots=True)
class SyncReport:
    batches: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    attempts: int = 0
    errors: list[str] = field(default_factory=list)


class SyncClient:
    """Talks to ``base_url``/api/v1 with the device token kept in the outbox."""

    def __init__(
        self,
        base_url: str,
        outbox: Outbox,
        batch_size: int = 5_000,
        max_attempts: int = 8,
        base_delay: float = 1.0,
        max_delay: float = 60.0,
        timeout: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
        session: requests.Session | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.outbox = outbox
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.timeout = timeout
        self.sleep = sleep
        self.jitter = jitter
        self.http = session or requests.Session()

    @property
    def token(self) -> str | None:
        return self.outbox.get_meta("token")

    def enroll(self, code: str, name: str) -> int:
        """Exchange the admin's one-time code for a token, kept in the outbox."""
        answer = self._request(
            "POST", "/api/v1/devices/enroll", json={"code": code, "name": name}, auth=False
        )
        self.outbox.set_meta("token", answer["token"])
        self.outbox.set_meta("device_id", str(answer["device_id"]))
        return int(answer["device_id"])

    def sync(self, progress: Callable[[int, int], None] | None = None) -> SyncReport:
        """Send every pending reading; ``progress(sent, total)`` after each batch."""
        if not self.token:
            raise SyncError("Ponsel belum terdaftar: masukkan kode dari admin", retry=False)
        report = SyncReport()
        # readings taken while this sync runs wait for the next one, in a full batch
        upto = self.outbox.last_rowid()
        total = self.outbox.counts()["pending"]
        sent = 0
        size = self.batch_size
        while (batch := self.outbox.next_batch(size, upto)) is not None:
            body = gzip.compress(
                json.dumps({"batch_id": batch.id, "measurements": batch.readings}).encode()
            )
            try:
                answer = self._request(
                    "POST",
                    "/api/v1/uploads",
                    data=body,
                    report=report,
                    headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
                )
            except _TooLarge:
                self.outbox.split_batch(batch.id)
                size = max(1, len(batch.readings) // 2)
                continue
            self.outbox.settle(batch.id, answer)
            report.batches += 1
            report.accepted += len(answer["accepted"])
            report.duplicates += len(answer["duplicates"])
            report.rejected += len(answer["rejected"])
            sent += len(batch.readings)
            if progress:
                progress(sent, total)
        self.fetch_reviews()
        return report

    def fetch_reviews(self) -> list[dict[str, Any]]:
        """Download the review states and comments of this device's uploads."""
        me = self._request("GET", "/api/v1/devices/me")
        self.outbox.save_uploads(me["uploads"])
        # kept for the days without signal: the Villages screen reads them from the outbox
        self.outbox.set_meta("campaigns", json.dumps(me.get("campaigns", [])))
        self.outbox.set_meta("campaigns_at", datetime.now(UTC).isoformat(timespec="seconds"))
        return list(me["uploads"])

    def _request(
        self,
        method: str,
        path: str,
        auth: bool = True,
        report: SyncReport | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        headers = dict(kwargs.pop("headers", {}))
        if auth:
            headers["Authorization"] = f"Bearer {self.token}"
        last = SyncError("Tidak ada jawaban dari server")
        for attempt in range(self.max_attempts):
            if report is not None:
                report.attempts += 1
            try:
                response = self.http.request(
                    method, self.base_url + path, headers=headers, timeout=self.timeout, **kwargs
                )
            except requests.RequestException as exc:
                last = SyncError(
                    "Tidak tersambung ke server ({error})", {"error": type(exc).__name__}
                )
            else:
                answer = _json_object(response)
                if response.status_code < 300 and answer is not None:
                    return answer
                message = str((answer or {}).get("message") or response.reason or "")
                if response.status_code == 413:
                    raise _TooLarge(message)
                if response.status_code == 401:
                    raise SyncError(
                        "Server menolak ponsel ini: {message}", {"message": message}, retry=False
                    )
                if response.status_code < 300 or (answer is None and response.status_code < 400):
                    # status 200 with a web page: a hotspot login (captive portal) or a proxy
                    last = SyncError("Jaringan meminta login (hotspot?): server tidak terjangkau")
                elif response.status_code not in _RETRY_STATUS:
                    raise SyncError(
                        "Server tidak dapat menerima data: {message}",
                        {"message": message},
                        retry=False,
                    )
                else:
                    last = SyncError(
                        "Server sibuk atau bermasalah ({status})", {"status": response.status_code}
                    )
            if report is not None:
                report.errors.append(str(last))
            delay = min(self.max_delay, self.base_delay * 2**attempt)
            self.sleep(delay * (0.5 + self.jitter() / 2))
        raise SyncError(
            last.text + "; data aman di ponsel dan akan dikirim nanti", last.values, retry=True
        )


class _TooLarge(Exception):
    pass


def _json_object(response: requests.Response) -> dict[str, Any] | None:
    """The answer as a JSON object, or None for anything else (an HTML login page)."""
    if "json" not in response.headers.get("Content-Type", ""):
        return None
    try:
        answer = response.json()
    except ValueError:
        return None
    return answer if isinstance(answer, dict) else None
