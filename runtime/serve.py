"""Start everything the product needs in one command, and stop it all together.

``python -m runtime.serve`` (what ``make run`` calls) starts the action server and Rasa
with the REST channel, waits until both answer, and on Ctrl-C or SIGTERM stops both. The
test suite uses the same `Stack` so it exercises exactly what users run.

Secrets (RASA_TOKEN, ACTIONS_TOKEN, STAFF_TOKEN) go to the processes through their
environment, never their command lines (which `ps` shows to every user of the machine).
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.db import PROJECT_ROOT, VAR_DIR
from runtime import endpoints, proxy
from runtime.settings import setting

MODEL_PATH = PROJECT_ROOT / "rasa_project" / "models" / "ekey.tar.gz"


# Stock `rasa` (the bench's floor), given its API token the same way as runtime.rasa_fixes.
STOCK_RASA = ("import os, sys\n"
              "from rasa.__main__ import main\n"
              "from runtime.endpoints import rasa_args\n"
              "sys.argv = rasa_args(['rasa', *sys.argv[1:]], os.environ)\n"
              "main()\n")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Stack:
    rasa_port: int = int(setting("RASA_PORT"))
    actions_port: int = int(setting("ACTIONS_PORT"))
    web_port: int = int(setting("WEB_PORT"))
    model: Path = MODEL_PATH
    log_dir: Path = VAR_DIR / "logs"
    extra_env: dict[str, str] = field(default_factory=dict)
    # More than one: Rasa replicas on free ports behind nginx on rasa_port (runtime/proxy.py);
    # they must share DATABASE_URL (trackers) and REDIS_URL (per-sender locks).
    replicas: int = int(setting("RASA_REPLICAS"))
    processes: list[subprocess.Popen] = field(default_factory=list)
    named: dict[str, subprocess.Popen] = field(default_factory=dict)
    replica_ports: list[int] = field(default_factory=list)
    # Rasa with this project's fixes for three of its costs (runtime/rasa_fixes.py);
    # the bench turns them off to measure stock Rasa as the framework's floor.
    rasa_fixes: bool = True
    # Rasa's HTTP API is only ever on behind a token. Without RASA_TOKEN set, a random one
    # known only to this stack's processes lets the web app push status updates.
    api_token: str = field(repr=False, default_factory=lambda: setting("RASA_TOKEN")
                           or secrets.token_urlsafe(24))  # repr=False: kept out of tracebacks
    # Rasa's calls to the action server carry this one (runtime/action_server.py).
    actions_token: str = field(repr=False, default_factory=lambda: setting("ACTIONS_TOKEN")
                               or secrets.token_urlsafe(24))
    # Likewise the staff console: STAFF_TOKEN, or a fresh one printed at start (as Jupyter does).
    staff_token: str = field(repr=False, default_factory=lambda: setting("STAFF_TOKEN")
                             or secrets.token_urlsafe(18))

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.setdefault("ACTION_ENDPOINT_URL", f"http://127.0.0.1:{self.actions_port}/webhook")
        env.setdefault("TRACKER_DB", str(VAR_DIR / "tracker.db"))
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
        env.setdefault("RASA_URL", f"http://127.0.0.1:{self.rasa_port}")
        env.setdefault("RASA_TOKEN", self.api_token)
        env.setdefault("ACTIONS_TOKEN", self.actions_token)
        env.setdefault("STAFF_TOKEN", self.staff_token)
        # Rasa's tracker store may otherwise open 150 PostgreSQL connections per process.
        env.setdefault("SQL_POOL_SIZE", "10")
        env.setdefault("SQL_MAX_OVERFLOW", "10")
        # The widget's page is served from the web port; only listed origins may call Rasa.
        env.setdefault("CORS_ORIGINS", f"http://localhost:{self.web_port} "
                                       f"http://127.0.0.1:{self.web_port}")
        env.update(self.extra_env)
        return env

    def _start(self, name: str, args: list[str]) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - lives with the process
        proc = subprocess.Popen(args, cwd=PROJECT_ROOT, env=self.env(), stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append(proc)
        self.named[name] = proc

    def _rasa_args(self, port: int) -> list[str]:
        run_dir = self.log_dir.parent
        # Both add --auth-token from RASA_TOKEN inside the process (runtime/endpoints.py).
        rasa = ([sys.executable, "-m", "runtime.rasa_fixes"] if self.rasa_fixes
                else [sys.executable, "-c", STOCK_RASA])
        args = [*rasa, "run", "--model", str(self.model),
                "--endpoints", str(endpoints.write(self.env(), run_dir / f"endpoints-{port}.yml")),
                "--credentials", "rasa_project/credentials.yml",
                "--port", str(port), "--interface", "127.0.0.1"]
        args += ["--cors", *self.env()["CORS_ORIGINS"].split()]
        return args + ["--enable-api"]

    def start(self, timeout: float = 180.0) -> None:
        if not self.model.exists():
            raise SystemExit(f"no trained model at {self.model}; run `make train` first")
        self._start("actions", [sys.executable, "-m", "runtime.action_server",
                                "--port", str(self.actions_port)])
        if self.replicas == 1:
            self._start("rasa", self._rasa_args(self.rasa_port))
        else:
            env = self.env()
            if not (setting("DATABASE_URL", env) and setting("REDIS_URL", env)):
                raise SystemExit("several Rasa replicas need DATABASE_URL and REDIS_URL, "
                                 "so that they share conversations and per-sender locks")
            self.replica_ports = [free_port() for _ in range(self.replicas)]
            for i, port in enumerate(self.replica_ports):
                self._start(f"rasa-{i}", self._rasa_args(port))
            conf = proxy.write_config(self.log_dir.parent / f"nginx-{self.rasa_port}",
                                      self.rasa_port, self.replica_ports)
            self._start("nginx", [proxy.nginx_binary(), "-c", str(conf),
                                  "-p", str(conf.parent)])
        self._start("web", [sys.executable, "-m", "webapp.app",
                            "--port", str(self.web_port)])
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        urls = [f"http://127.0.0.1:{self.actions_port}/health",
                f"http://127.0.0.1:{self.web_port}/health",
                *(f"http://127.0.0.1:{p}/webhooks/rest/" for p in self.replica_ports),
                f"http://127.0.0.1:{self.rasa_port}/webhooks/rest/"]
        pending = list(urls)
        while pending:
            for name, proc in self.named.items():
                if proc.poll() is not None:
                    self.stop()
                    raise RuntimeError(f"{name} exited early (code {proc.returncode}); "
                                       f"see {self.log_dir}/*.log")
            try:
                with urllib.request.urlopen(pending[0], timeout=2):
                    pending.pop(0)
                    continue
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"servers not ready after {timeout}s: {pending}")
            time.sleep(0.5)

    def stop(self) -> None:
        for proc in self.processes:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.processes:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        self.processes.clear()
        self.named.clear()


def main() -> int:
    stack = Stack()
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    print(f"starting action server on :{stack.actions_port}, Rasa on :{stack.rasa_port} "
          f"and web pages on :{stack.web_port} ...")
    stack.start()
    print(f"ready: REST channel at http://localhost:{stack.rasa_port}/webhooks/rest/webhook "
          f"(logs in {stack.log_dir}); web pages at http://localhost:{stack.web_port}/ ; "
          "Ctrl-C stops everything")
    shown = "from STAFF_TOKEN" if setting("STAFF_TOKEN") else stack.staff_token
    print(f"staff console: http://localhost:{stack.web_port}/staff  (token: {shown})")
    try:
        while all(p.poll() is None for p in stack.processes):
            time.sleep(1)
        print("a server stopped; shutting down", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
