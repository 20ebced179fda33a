"""A browser that goes away mid-answer leaves no file open in the test server."""

from __future__ import annotations

import gc
import socket
import struct
import warnings

from flask import Flask

from tests.server.live import thread_server


def test_a_dropped_connection_leaves_no_file_open(app: Flask) -> None:
    big = "vendor/protomaps-leaflet/protomaps-leaflet.js"
    with warnings.catch_warnings(record=True) as seen, thread_server(app) as base:
        warnings.simplefilter("always")
        host, port = base.removeprefix("http://").split(":")
        for _ in range(20):
            conn = socket.create_connection((host, int(port)))
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
            conn.sendall(f"GET /static/{big} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            conn.recv(512)
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()  # reset: the server's next write fails
        gc.collect()
    assert not [w for w in seen if issubclass(w.category, ResourceWarning)]
