"""Start everything the product needs in one command, and stop it all together.

``python -m connectors.serve`` (what ``make run`` calls) starts the action server and Rasa
with the REST channel, waits until both answer, and on Ctrl-C or SIGTERM stops both. The
test suite uses the same `Stack` so it exercises exactly what users run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.db import PROJECT_ROOT, VAR_DIR

MODEL_PATH = PROJECT_ROOT / "rasa_project" / "models" / "ekey.tar.gz"


def _bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


@dataclass
class Stack:
    rasa_port: int = int(os.environ.get("RASA_PORT", "5005"))
    actions_port: int = int(os.environ.get("ACTIONS_PORT", "5055"))
    model: Path = MODEL_PATH
    log_dir: Path = VAR_DIR / "logs"
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: list[subprocess.Popen] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.setdefault("ACTION_ENDPOINT_URL", f"http://127.0.0.1:{self.actions_port}/webhook")
        env.setdefault("TRACKER_DIALECT", "sqlite")
        env.setdefault("TRACKER_DB", str(VAR_DIR / "tracker.db"))
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
        env.update(self.extra_env)
        return env

    def _start(self, name: str, args: list[str]) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - lives with the process
        self.processes.append(subprocess.Popen(
            args, cwd=PROJECT_ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True))

    def start(self, timeout: float = 180.0) -> None:
        if not self.model.exists():
            raise SystemExit(f"no trained model at {self.model}; run `make train` first")
        self._start("actions", [_bin("rasa"), "run", "actions", "--actions", "actions",
                                "--port", str(self.actions_port)])
        rasa = [_bin("rasa"), "run", "--model", str(self.model),
                "--endpoints", "rasa_project/endpoints.yml",
                "--credentials", "rasa_project/credentials.yml",
                "--port", str(self.rasa_port), "--interface", "127.0.0.1"]
        token = self.env().get("RASA_TOKEN")
        if token:  # Rasa's HTTP API only behind a token; without one it stays off
            rasa += ["--enable-api", "--auth-token", token]
        self._start("rasa", rasa)
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        urls = [f"http://127.0.0.1:{self.actions_port}/health",
                f"http://127.0.0.1:{self.rasa_port}/webhooks/rest/"]
        pending = list(urls)
        while pending:
            for proc in self.processes:
                if proc.poll() is not None:
                    self.stop()
                    raise RuntimeError(f"a server exited early; see {self.log_dir}/*.log")
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


def main() -> int:
    stack = Stack()
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    print(f"starting action server on :{stack.actions_port} and Rasa on :{stack.rasa_port} ...")
    stack.start()
    print(f"ready: REST channel at http://localhost:{stack.rasa_port}/webhooks/rest/webhook "
          f"(logs in {stack.log_dir}); Ctrl-C stops everything")
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
