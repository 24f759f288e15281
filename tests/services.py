"""Real PostgreSQL, Redis and nginx servers on loopback, started by the tests themselves.

Debian's packages (installed by `make services`, which `make test` runs) provide the
binaries; each server gets a fresh directory and a free port and is stopped afterwards, so
tests never touch a system-wide instance. PostgreSQL refuses to run as root, so as root
it runs as the `postgres` user the Debian package creates.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from support import free_port, require_stack


def wait_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listening on port {port} after {timeout}s")


def _pg_bin(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(
        f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} not found: run `make services`")
    return found


def _as_pg_user(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@contextmanager
def postgres() -> Iterator[str]:
    """A PostgreSQL server with database `ekey`; yields its SQLAlchemy URL.

    Its directory is a fresh one under the system temp dir: pytest's own temp dirs are
    private to root, where the `postgres` user could not reach.
    """
    require_stack("PostgreSQL")
    workdir = Path(tempfile.mkdtemp(prefix="ekey-pg-"))
    data, port = workdir / "pgdata", free_port()
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres")
    subprocess.run(_as_pg_user([_pg_bin("initdb"), "-D", str(data), "-U", "ekey",
                                "--auth=trust", "-E", "UTF8", "--no-locale"]),
                   check=True, capture_output=True)
    log = workdir / "postgres.log"
    subprocess.run(_as_pg_user([_pg_bin("pg_ctl"), "-D", str(data), "-l", str(log), "-w",
                                "-o", f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 "
                                      "-c max_connections=200",
                                "start"]), check=True, capture_output=True)
    try:
        subprocess.run([_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "ekey",
                        "ekey"], check=True, capture_output=True)
        yield f"postgresql://ekey@127.0.0.1:{port}/ekey"
    finally:
        subprocess.run(_as_pg_user([_pg_bin("pg_ctl"), "-D", str(data), "-m", "immediate",
                                    "stop"]), capture_output=True)
        shutil.rmtree(workdir, ignore_errors=True)


@contextmanager
def redis(workdir: Path) -> Iterator[str]:
    """A Redis server without persistence; yields its URL."""
    require_stack("Redis")
    binary = shutil.which("redis-server")
    if not binary:
        raise RuntimeError("redis-server not found: run `make services`")
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", "--dir", str(workdir)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
