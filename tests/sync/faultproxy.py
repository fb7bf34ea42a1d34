"""A fault-injecting HTTPS proxy on loopback, between a device and a live HQ.

It terminates TLS with HQ's own server certificate (so a device that pins HQ's CA
trusts it as it trusts HQ), reads each HTTP/1.1 request, forwards it to HQ, and applies
the first matching rule:

* ``pass``                 forward, answer HQ's response;
* ``drop_request``         read half the body, then close the connection (HQ sees nothing);
* ``lose_response``        forward (HQ commits), then close without answering;
* ``truncate_response``    forward, send the status, headers and half the body, close;
* ``duplicate``            forward the request twice, answer the second response;
* ``error``                answer ``status`` (503 by default) without forwarding;
* ``error_after_commit``   forward (HQ commits), answer ``status`` (500) instead;
* ``delay``                forward (HQ commits), wait ``delay`` seconds, then answer.

Every request is logged (method, path, action, headers, status), so tests can check
which faults fired.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import ssl
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ACTIONS = ("pass", "drop_request", "lose_response", "truncate_response", "duplicate", "error",
           "error_after_commit", "delay")


@dataclass
class Rule:
    action: str
    method: str | None = None
    path: str | None = None
    skip: int = 0
    """matching requests to let through before this rule fires"""
    times: int = 1
    status: int = 503
    delay: float = 0.0
    fired: int = 0

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (self.path is None or path.startswith(self.path))


@dataclass
class Entry:
    method: str
    path: str
    action: str
    request_headers: dict[str, str]
    response_headers: dict[str, str] = field(default_factory=dict)
    status: int | None = None
    body_bytes: int = 0


class _Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True
    proxy: FaultProxy


class _Handler(socketserver.StreamRequestHandler):
    server: _Server
    timeout = 30

    def setup(self) -> None:
        self.request = self.server.proxy.tls.wrap_socket(self.request, server_side=True)
        super().setup()

    def handle(self) -> None:
        proxy = self.server.proxy
        try:
            while self._one(proxy):
                pass
        except (OSError, ssl.SSLError, ValueError):
            pass

    def _one(self, proxy: FaultProxy) -> bool:
        line = self.rfile.readline(65536)
        if not line:
            return False
        method, target, _version = line.decode("latin-1").rstrip("\r\n").split(" ", 2)
        headers: list[tuple[str, str]] = []
        while True:
            h = self.rfile.readline(65536)
            if h in (b"\r\n", b"\n", b""):
                break
            name, _, value = h.decode("latin-1").partition(":")
            headers.append((name.strip(), value.strip()))
        lower = {k.lower(): v for k, v in headers}
        length = int(lower.get("content-length", "0") or 0)
        rule = proxy._match(method, target)
        action = rule.action if rule else "pass"
        entry = Entry(method, target, action, lower)
        proxy.log.append(entry)
        if action == "drop_request":
            self.rfile.read(length // 2)
            self._close()
            return False
        body = self.rfile.read(length) if length else b""
        entry.body_bytes = len(body)
        if action == "error":
            self._reply(rule.status if rule else 503, [("Content-Type", "text/plain")], b"proxy says no", entry)
            return True
        forward = [(k, v) for k, v in headers
                   if k.lower() not in ("host", "connection", "content-length", "transfer-encoding")]
        status, resp_headers, raw = proxy._forward(method, target, forward, body)
        if action == "duplicate":
            status, resp_headers, raw = proxy._forward(method, target, forward, body)
        if action == "lose_response":
            self._close()
            return False
        if action == "error_after_commit":
            self._reply(rule.status if rule else 500, [("Content-Type", "text/plain")], b"proxy lost it", entry)
            return True
        if action == "delay" and rule is not None:
            time.sleep(rule.delay)
        if action == "truncate_response":
            head = self._head(status, resp_headers, len(raw))
            self.wfile.write(head + raw[: len(raw) // 2])
            self.wfile.flush()
            entry.status = status
            self._close()
            return False
        self._reply(status, resp_headers, raw, entry)
        return True

    @staticmethod
    def _head(status: int, headers: list[tuple[str, str]], length: int) -> bytes:
        lines = [f"HTTP/1.1 {status} X"]
        lines += [f"{k}: {v}" for k, v in headers
                  if k.lower() not in ("content-length", "transfer-encoding", "connection")]
        lines.append(f"Content-Length: {length}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _reply(self, status: int, headers: list[tuple[str, str]], raw: bytes, entry: Entry) -> None:
        entry.status = status
        entry.response_headers = {k.lower(): v for k, v in headers}
        self.wfile.write(self._head(status, headers, len(raw)) + raw)
        self.wfile.flush()

    def _close(self) -> None:
        with contextlib.suppress(OSError):
            self.request.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self.request.close()


class FaultProxy:
    """``with FaultProxy(live) as proxy: client = HqClient(proxy.url, ...)``."""

    def __init__(self, upstream_url: str, ca_file: Path, cert_file: Path, key_file: Path) -> None:
        self.upstream_url = upstream_url
        self.rules: list[Rule] = []
        self.log: list[Entry] = []
        self._lock = threading.Lock()
        self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.tls.load_cert_chain(str(cert_file), str(key_file))
        self._upstream = httpx.Client(base_url=upstream_url, verify=ssl.create_default_context(cafile=str(ca_file)),
                                      timeout=60.0)
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.proxy = self
        self._thread: threading.Thread | None = None

    @classmethod
    def for_live(cls, live: Any) -> FaultProxy:
        tls = live.config.tls_dir
        return cls(live.url, live.ca_file, tls / "server.pem", tls / "server.key")

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    def add(self, action: str, *, method: str | None = None, path: str | None = None, skip: int = 0,
            times: int = 1, status: int | None = None, delay: float = 0.0) -> Rule:
        if action not in ACTIONS:
            raise ValueError(action)
        default = 500 if action == "error_after_commit" else 503
        rule = Rule(action, method, path, skip, times, status or default, delay)
        with self._lock:
            self.rules.append(rule)
        return rule

    def _match(self, method: str, path: str) -> Rule | None:
        with self._lock:
            for rule in self.rules:
                if rule.fired >= rule.times or not rule.matches(method, path):
                    continue
                if rule.skip > 0:
                    rule.skip -= 1
                    continue
                rule.fired += 1
                return rule
        return None

    def _forward(self, method: str, target: str, headers: list[tuple[str, str]],
                 body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        request = self._upstream.build_request(method, target, headers=headers, content=body)
        response = self._upstream.send(request, stream=True)
        try:
            raw = b"".join(response.iter_raw())
        finally:
            response.close()
        return response.status_code, list(response.headers.multi_items()), raw

    def fired(self, action: str) -> int:
        return sum(1 for e in self.log if e.action == action)

    def start(self) -> FaultProxy:
        self._thread = threading.Thread(target=self._server.serve_forever, name="fault-proxy", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._upstream.close()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
