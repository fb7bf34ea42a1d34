"""A private PostgreSQL cluster for the fleet fault run: ``initdb`` in a temporary
directory, its own port on 127.0.0.1, trust authentication, so the run may restart it
(fast or immediate: a crash as far as the database knows) without touching the machine's
shared server and the tests using it.

Run as root (CI), the cluster belongs to the ``postgres`` user (PostgreSQL refuses to run
as root); otherwise to the current user. Binaries: the newest ``/usr/lib/postgresql/*/bin``
or ``$NEO_PG_BIN``.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries on this machine (or they cannot run)."""


def pg_bin() -> Path:
    if os.environ.get("NEO_PG_BIN"):
        path = Path(os.environ["NEO_PG_BIN"])
        if (path / "initdb").is_file():
            return path
    root = Path("/usr/lib/postgresql")
    versions = sorted((p for p in root.glob("*/bin") if (p / "initdb").is_file()),
                      key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    if not versions:
        raise PostgresUnavailable("no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb)")
    return versions[-1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivatePostgres:
    """``with PrivatePostgres() as pg: url = pg.create_database("neo")``; ``pg.restart()``."""

    def __init__(self, *, port: int | None = None, max_connections: int = 300) -> None:
        self.bin = pg_bin()
        self.port = port or free_port()
        self.max_connections = max_connections
        self.user = "postgres" if os.geteuid() == 0 else None
        self.root = Path(tempfile.mkdtemp(prefix="neo-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.restarts = 0
        self.keep = False
        """leave the cluster running at exit (to look at a failed run): ``pg_ctl -D data stop`` by hand"""

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        kw: dict[str, object] = {"user": self.user} if self.user else {}
        done = subprocess.run([str(self.bin / args[0]), *args[1:]], capture_output=True, text=True,
                              timeout=timeout, cwd=self.root, **kw)  # type: ignore[call-overload]
        if done.returncode != 0:
            raise PostgresUnavailable(f"{args[0]} failed ({done.returncode}): {done.stderr.strip()[-800:]}")
        return done

    def start(self) -> PrivatePostgres:
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(f"\nlisten_addresses = '127.0.0.1'\nport = {self.port}\nunix_socket_directories = '{self.root}'\n"
                       f"max_connections = {self.max_connections}\nfsync = off\nfull_page_writes = off\n"
                       "shared_buffers = 128MB\n")
        self._ctl("start")
        return self

    def _ctl(self, action: str, mode: str = "fast") -> None:
        args = ["pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60"]
        if action in ("stop", "restart"):
            args += ["-m", mode]
        self._run(*args, action)

    def restart(self, mode: str = "fast") -> None:
        """``fast``: sessions are ended, then a clean stop; ``immediate``: the server quits
        at once and recovers from its WAL at the next start, as after a crash."""
        self._ctl("restart", mode)
        self.restarts += 1

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return self.url(name)

    def ready(self) -> bool:
        with socket.socket() as s:
            s.settimeout(1)
            try:
                s.connect(("127.0.0.1", self.port))
            except OSError:
                return False
        return True

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not self.ready():
            if time.monotonic() > deadline:
                raise PostgresUnavailable(f"PostgreSQL on port {self.port} did not come back")
            time.sleep(0.2)

    def stop(self) -> None:
        with contextlib.suppress(PostgresUnavailable, subprocess.TimeoutExpired):
            if (self.data / "postmaster.pid").exists():
                self._ctl("stop", "immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PrivatePostgres:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        if not self.keep:
            self.stop()
