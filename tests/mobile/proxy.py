"""An unreliable link on loopback: a TCP proxy that cuts the first connections mid-upload."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

__all__ = ["flaky_proxy"]


def _pump(src: socket.socket, dst: socket.socket, limit: int | None) -> None:
    sent = 0
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            if limit is not None and sent + len(data) > limit:
                dst.sendall(data[: max(0, limit - sent)])
                break  # cut the link in the middle of the request
            dst.sendall(data)
            sent += len(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            with suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()


@contextmanager
def flaky_proxy(
    upstream_port: int, drop_first: int, cut_after: int = 20_000
) -> Iterator[tuple[str, dict[str, int]]]:
    """Proxy to 127.0.0.1:``upstream_port``; the first ``drop_first`` connections are cut
    after ``cut_after`` bytes of request. Yields the proxy's URL and connection counts."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    stats = {"connections": 0, "dropped": 0}
    stopping = threading.Event()

    def serve() -> None:
        while not stopping.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                return
            stats["connections"] += 1
            cut = stats["connections"] <= drop_first
            stats["dropped"] += int(cut)
            upstream = socket.create_connection(("127.0.0.1", upstream_port))
            threading.Thread(
                target=_pump, args=(client, upstream, cut_after if cut else None), daemon=True
            ).start()
            threading.Thread(target=_pump, args=(upstream, client, None), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", stats
    finally:
        stopping.set()
        listener.close()
        thread.join(timeout=5)
