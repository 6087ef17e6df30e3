"""A loopback HTTP proxy in front of a real server that records every request it forwards:
how many requests, and how many body bytes, a client made to read something."""

from __future__ import annotations

import http.client
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "host"}


@dataclass
class Traffic:
    """What went through the proxy: (method, path, status, body bytes) per request."""

    requests: list[tuple[str, str, int, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def count(self) -> int:
        return len(self.requests)

    @property
    def body_bytes(self) -> int:
        return sum(r[3] for r in self.requests)

    def clear(self) -> None:
        with self.lock:
            self.requests.clear()


@contextmanager
def counting_proxy(upstream: str) -> Iterator[tuple[str, Traffic]]:
    """Yields (the proxy's base URL standing for `upstream`, its `Traffic`)."""
    target = urlsplit(upstream)
    traffic = Traffic()

    class Forward(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _forward(self) -> None:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
            connection = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
            try:
                connection.request(self.command, self.path, headers=headers)
                answer = connection.getresponse()
                body = answer.read()
            finally:
                connection.close()
            with traffic.lock:
                traffic.requests.append((self.command, self.path, answer.status, len(body)))
            self.send_response(answer.status)
            for name, value in answer.getheaders():
                if name.lower() not in _HOP_BY_HOP and name.lower() != "content-length":
                    self.send_header(name, value)
            length = answer.getheader("Content-Length")
            self.send_header("Content-Length", length if self.command == "HEAD" else str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_HEAD = _forward  # noqa: N815 - http.server's names

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Forward)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", traffic
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
