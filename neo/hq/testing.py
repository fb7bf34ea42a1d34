"""A real HQ on loopback for tests: uvicorn in a background thread, an ephemeral port,
TLS with HQ's own CA (clients verify with it), real HTTP.

Used by ``tests/hq`` and meant for the device-side sync tests too::

    with LiveHQ(HQConfig(data_dir=tmp / "hq")) as hq:
        hq.hq.add_officer("100001", "Jeanne Martin", "BTA Menton", "482913")
        code = hq.enrolment_code("BTA Menton")
        with hq.client() as client:
            client.post("/api/v1/enroll", json={...})
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from neo.hq import tls
from neo.hq.app import create_app
from neo.hq.config import HQConfig
from neo.hq.service import Headquarters


class LiveHQ:
    def __init__(self, config: HQConfig, *, use_tls: bool = True, host: str = "127.0.0.1",
                 log_level: str = "warning") -> None:
        self.config = config
        self.use_tls = use_tls
        self.host = host
        self.log_level = log_level
        self.port = 0
        self.hq: Headquarters
        self.ca_file: Path | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> LiveHQ:
        self.config.insecure = not self.use_tls
        ssl_kw: dict[str, Any] = {}
        if self.use_tls:
            files = tls.ensure_server_cert(self.config.tls_dir, tls.default_names(self.host))
            ssl_kw = {"ssl_certfile": str(files.cert_file), "ssl_keyfile": str(files.key_file)}
            self.ca_file = files.ca_file
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, 0))
        self.port = sock.getsockname()[1]
        app = create_app(self.config)
        self.hq = app.state.hq
        if self.config.public_url is None:
            self.config.public_url = self.url
        server = uvicorn.Server(uvicorn.Config(app, log_level=self.log_level, lifespan="on", **ssl_kw))
        self._server = server
        self._thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="live-hq", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the HQ server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=15)
        self._server = self._thread = None

    def __enter__(self) -> LiveHQ:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- helpers -----------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"{'https' if self.use_tls else 'http'}://{self.host}:{self.port}"

    def ssl_context(self) -> ssl.SSLContext | bool:
        if not self.use_tls or self.ca_file is None:
            return False
        return ssl.create_default_context(cafile=str(self.ca_file))

    def client(self, token: str | None = None, **kwargs: Any) -> httpx.Client:
        headers = dict(kwargs.pop("headers", {}) or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        kwargs.setdefault("timeout", 30.0)
        return httpx.Client(base_url=self.url, verify=self.ssl_context(), headers=headers, **kwargs)

    def enrolment_code(self, unit: str | None = None, ttl_seconds: int = 3600) -> str:
        _code, printed, _unit = self.hq.create_enrolment_code(
            unit=unit, ttl_seconds=ttl_seconds, url=self.url, fingerprint=self.hq.tls_fingerprint
        )
        return printed
