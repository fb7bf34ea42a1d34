"""A fault-injecting HTTPS proxy for the fleet fault run: between many devices and HQ,
it breaks a random share of the requests, at configured rates.

It terminates TLS with HQ's own server certificate (a device pinning HQ's CA trusts it as
it trusts HQ), reads each HTTP/1.1 request (keep-alive, ``Content-Length`` or chunked
bodies), draws a fault for it, and forwards it to HQ over TLS. The faults (``FaultRates``
gives each one's probability per request):

=====================  ============================================================  =============
action                 what happens                                                   HQ handled it?
=====================  ============================================================  =============
``drop_request``       the connection is closed once the request's head is read      no
``reset_request``      the connection is reset (RST) once the request's head is read  no
``truncate_request``   HQ gets the head and half the body, then the connection closes  no (it sees a
                       (the device's connection too)                                   cut request)
``drop_response``      forwarded; the device's connection closes without an answer    yes
``reset_response``     forwarded; the device's connection is reset instead of answered yes
``truncate_response``  forwarded; the device gets the head and half the body, closed  yes
``delay``              forwarded; the answer is held 0..``delay_max`` seconds (it may  yes
                       outlast the device's timeout)
=====================  ============================================================  =============

When HQ itself does not answer (a worker killed, HQ restarting, the database down) the
device's connection is reset and the request counted as ``upstream_down``.

Every request is counted by action and by route (``stats()``), so a run can say which
faults fired how often. ``rates`` can be changed at any time (``proxy.rates =
FaultRates()`` stops the faults: the network heals).
"""

from __future__ import annotations

import contextlib
import random
import socket
import socketserver
import ssl
import struct
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

ACTIONS = ("drop_request", "reset_request", "truncate_request", "drop_response", "reset_response",
           "truncate_response", "delay")


@dataclass(frozen=True)
class FaultRates:
    """Probability of each fault per request (their sum at most 1); all zero by default."""

    drop_request: float = 0.0
    reset_request: float = 0.0
    truncate_request: float = 0.0
    drop_response: float = 0.0
    reset_response: float = 0.0
    truncate_response: float = 0.0
    delay: float = 0.0
    delay_max: float = 2.0
    """seconds: a delayed answer is held uniform(0, delay_max)"""

    def __post_init__(self) -> None:
        total = sum(getattr(self, a) for a in ACTIONS)
        if any(getattr(self, a) < 0 for a in ACTIONS) or total > 1.0 + 1e-9 or self.delay_max < 0:
            raise ValueError(f"fault rates must be >= 0 and sum to at most 1 (got {total:.3f})")

    @classmethod
    def uniform(cls, total: float, delay_max: float = 2.0) -> FaultRates:
        """``total`` spread evenly over the seven faults."""
        each = total / len(ACTIONS)
        return cls(**{a: each for a in ACTIONS}, delay_max=delay_max)

    def draw(self, rng: random.Random) -> str:
        x = rng.random()
        for action in ACTIONS:
            x -= getattr(self, action)
            if x < 0:
                return action
        return "pass"

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def route_of(target: str) -> str:
    """A request's route without ids: ``/api/v1/attachments/<sha>/chunks/3`` ->
    ``attachments/chunks``, for the per-route counts."""
    path = target.split("?", 1)[0]
    parts = [p for p in path.split("/") if p][2:]  # drop api, v1
    named = [p for p in parts if not (len(p) >= 32 or p.isdigit())]
    return "/".join(named) or "/"


class _Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024
    proxy: FleetFaultProxy


class _Closed(Exception):
    """The device's connection is to be closed (after a fault, or it went away)."""


class _Handler(socketserver.StreamRequestHandler):
    server: _Server
    timeout = 120

    def setup(self) -> None:
        self.request.settimeout(self.timeout)
        self.request = self.server.proxy.tls.wrap_socket(self.request, server_side=True)
        super().setup()

    def handle(self) -> None:
        proxy = self.server.proxy
        try:
            while self._one(proxy):
                pass
        except (_Closed, OSError, ssl.SSLError, ValueError):
            pass

    def _read_body(self, lower: dict[str, str]) -> bytes:
        if lower.get("transfer-encoding", "").lower() == "chunked":
            out = bytearray()
            while True:
                size = int(self.rfile.readline(1024).split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65536) not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline(8)
        length = int(lower.get("content-length", "0") or 0)
        body = self.rfile.read(length) if length else b""
        if len(body) != length:
            raise _Closed
        return body

    def _one(self, proxy: FleetFaultProxy) -> bool:
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
        action, delay = proxy._draw()
        proxy._count(action, method, target)
        if action == "drop_request":
            self._close(reset=False)
            return False
        if action == "reset_request":
            self._close(reset=True)
            return False
        body = self._read_body(lower)
        forward = [(k, v) for k, v in headers
                   if k.lower() not in ("host", "connection", "content-length", "transfer-encoding", "keep-alive")]
        if action == "truncate_request":
            proxy._send_truncated(method, target, forward, body)
            self._close(reset=False)
            return False
        try:
            status, resp_headers, raw = proxy._forward(method, target, forward, body)
        except httpx.HTTPError:
            proxy._count("upstream_down", method, target)
            self._close(reset=True)
            return False
        if action == "drop_response":
            self._close(reset=False)
            return False
        if action == "reset_response":
            self._close(reset=True)
            return False
        if action == "delay":
            time.sleep(delay)
        if action == "truncate_response":
            self.wfile.write(self._head(status, resp_headers, len(raw)) + raw[: len(raw) // 2])
            self.wfile.flush()
            self._close(reset=False)
            return False
        self.wfile.write(self._head(status, resp_headers, len(raw)) + raw)
        self.wfile.flush()
        return lower.get("connection", "").lower() != "close"

    @staticmethod
    def _head(status: int, headers: list[tuple[str, str]], length: int) -> bytes:
        lines = [f"HTTP/1.1 {status} X"]
        lines += [f"{k}: {v}" for k, v in headers
                  if k.lower() not in ("content-length", "transfer-encoding", "connection", "keep-alive")]
        lines.append(f"Content-Length: {length}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _close(self, *, reset: bool) -> None:
        sock = self.request
        if reset:  # SO_LINGER on, 0 s: close() sends RST instead of FIN
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        else:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            sock.close()
        raise _Closed


class FleetFaultProxy:
    """``with FleetFaultProxy(hq_url, ca_file, cert, key, FaultRates.uniform(0.1)) as proxy:``
    devices talk to ``proxy.url``."""

    def __init__(self, upstream_url: str, ca_file: Path, cert_file: Path, key_file: Path,
                 rates: FaultRates | None = None, *, seed: int = 0, upstream_timeout: float = 60.0) -> None:
        self.upstream_url = upstream_url
        self.rates = rates or FaultRates()
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, str]] = Counter()
        self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.tls.load_cert_chain(str(cert_file), str(key_file))
        self._upstream_ssl = ssl.create_default_context(cafile=str(ca_file))
        self._upstream = httpx.Client(base_url=upstream_url, verify=self._upstream_ssl, timeout=upstream_timeout,
                                      limits=httpx.Limits(max_connections=1000, max_keepalive_connections=200))
        split = urlsplit(upstream_url)
        self._up_host = split.hostname or "127.0.0.1"
        self._up_port = split.port or 443
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.proxy = self
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    # -- per request ---------------------------------------------------------------------
    def _draw(self) -> tuple[str, float]:
        with self._lock:
            rates = self.rates
            action = rates.draw(self._rng)
            delay = self._rng.uniform(0, rates.delay_max) if action == "delay" else 0.0
        return action, delay

    def _count(self, action: str, method: str, target: str) -> None:
        with self._lock:
            self._counts[(action, f"{method} {route_of(target)}")] += 1

    def _forward(self, method: str, target: str, headers: list[tuple[str, str]],
                 body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        request = self._upstream.build_request(method, target, headers=headers, content=body)
        response = self._upstream.send(request, stream=True)
        try:
            raw = b"".join(response.iter_raw())
        finally:
            response.close()
        return response.status_code, list(response.headers.multi_items()), raw

    def _send_truncated(self, method: str, target: str, headers: list[tuple[str, str]], body: bytes) -> None:
        """HQ gets the head (announcing the whole body) and half the body, then the close."""
        head = [f"{method} {target} HTTP/1.1", f"Host: {self._up_host}:{self._up_port}",
                f"Content-Length: {len(body)}", "Connection: close"]
        head += [f"{k}: {v}" for k, v in headers]
        data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body[: len(body) // 2]
        try:
            with socket.create_connection((self._up_host, self._up_port), timeout=10) as raw, \
                    self._upstream_ssl.wrap_socket(raw, server_hostname=self._up_host) as tls:
                tls.sendall(data)
                time.sleep(0.05)
        except OSError:
            pass

    # -- counts ------------------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        """``{"requests", "by_action": {...}, "by_route": {route: {action: n}}}``."""
        with self._lock:
            counts = dict(self._counts)
        by_action: Counter[str] = Counter()
        by_route: dict[str, Counter[str]] = {}
        for (action, route), n in counts.items():
            by_action[action] += n
            by_route.setdefault(route, Counter())[action] += n
        requests = sum(n for a, n in by_action.items() if a != "upstream_down")
        return {"requests": requests, "by_action": dict(sorted(by_action.items())),
                "by_route": {r: dict(sorted(c.items())) for r, c in sorted(by_route.items())}}

    def faults(self) -> int:
        """Requests broken on purpose (``upstream_down`` not included)."""
        with self._lock:
            return sum(n for (a, _r), n in self._counts.items() if a in ACTIONS)

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> FleetFaultProxy:
        self._thread = threading.Thread(target=self._server.serve_forever, name="fleet-fault-proxy", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._upstream.close()

    def __enter__(self) -> FleetFaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
