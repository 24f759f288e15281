"""`make bench`: REST latency and throughput of the assistant beside a plain `rasa init` bot.

Both assistants are started on loopback in the same run and driven the same way: one sender
asking one question after another, then 20 senders at once. The plain `rasa init` assistant
(trained once, cached under var/bench/) is the framework's floor; the README records the
ratio. Results go to var/reports/bench.{json,md}.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from connectors.serve import Stack
from knowledge.db import VAR_DIR

BENCH_DIR = VAR_DIR / "bench"
REPORT_DIR = VAR_DIR / "reports"
OUR_MESSAGES = [
    "电子钥匙锁了要带什么材料？", "How do I unlock my e-port IC card?", "办理地址在哪里？",
    "電子鑰匙丟了怎麼補辦", "Is there a fee for applying for the e-key?", "北京周六可以办吗",
    "首次申领电子钥匙大概要多久？", "技术进出口信息管理系统默认密码是什么",
]
FLOOR_MESSAGES = ["hello", "I am sad", "yes", "are you a bot?", "great", "no", "bye", "hi there"]
SEQUENTIAL = 40
SENDERS = 20
PER_SENDER = 8


def _post(url: str, sender: str, text: str) -> float:
    body = json.dumps({"sender": sender, "message": text}).encode()
    req = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    start = time.perf_counter()
    with urllib.request.urlopen(req, timeout=120) as resp:
        resp.read()
    return time.perf_counter() - start


def _conversation(url: str, messages: list[str], count: int) -> list[float]:
    sender = f"bench-{uuid.uuid4().hex[:8]}"
    return [_post(url, sender, messages[i % len(messages)]) for i in range(count)]


def _rss_mb(pids: list[int]) -> float:
    """Resident memory of the given processes and all their children, in MB."""
    total, todo, seen = 0, list(pids), set()
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            total += next(int(line.split()[1]) for line in status.splitlines()
                          if line.startswith("VmRSS:"))
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            todo += [int(c) for c in children]
        except (OSError, StopIteration):
            continue
    return total / 1024


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] * 1000


def measure(url: str, messages: list[str], pids: list[int]) -> dict[str, float]:
    _conversation(url, messages, 4)  # warm-up: first parses load lazily
    single = _conversation(url, messages, SEQUENTIAL)
    start = time.perf_counter()
    with ThreadPoolExecutor(SENDERS) as pool:
        runs = list(pool.map(lambda _: _conversation(url, messages, PER_SENDER), range(SENDERS)))
    elapsed = time.perf_counter() - start
    concurrent = [t for run in runs for t in run]
    return {
        "p50_ms_1": round(statistics.median(single) * 1000, 1),
        "p95_ms_1": round(_pct(single, 0.95), 1),
        "p50_ms_20": round(statistics.median(concurrent) * 1000, 1),
        "p95_ms_20": round(_pct(concurrent, 0.95), 1),
        "msgs_per_s_20": round(len(concurrent) / elapsed, 1),
        "rss_mb": round(_rss_mb(pids), 0),
    }


def floor_model() -> Path:
    """A plain `rasa init` assistant, trained once and kept under var/bench/."""
    project = BENCH_DIR / "rasa_init"
    models = project / "models"
    if not any(models.glob("*.tar.gz")):
        shutil.rmtree(project, ignore_errors=True)
        project.mkdir(parents=True)
        rasa = str(Path(sys.executable).parent / "rasa")
        subprocess.run([rasa, "init", "--no-prompt", "--init-dir", str(project)], check=True,
                       cwd=project, stdout=subprocess.DEVNULL)
    return sorted(models.glob("*.tar.gz"))[-1]


def bench_stack(name: str, messages: list[str], **stack_args: object) -> dict[str, float]:
    """Start one assistant on free loopback ports, measure it, stop it."""
    from tests.conftest import free_port

    stack = Stack(rasa_port=free_port(), actions_port=free_port(),
                  log_dir=BENCH_DIR / f"logs-{name}",
                  extra_env={"TRACKER_DB": str(BENCH_DIR / f"tracker-{name}.db")}, **stack_args)
    stack.start()
    try:
        url = f"http://127.0.0.1:{stack.rasa_port}/webhooks/rest/webhook"
        return measure(url, messages, [p.pid for p in stack.processes])
    finally:
        stack.stop()


def main() -> int:
    results: dict[str, dict[str, float]] = {
        "ekey": bench_stack("ekey", OUR_MESSAGES),
        "rasa_init": bench_stack("rasa_init", FLOOR_MESSAGES, model=floor_model()),
    }
    ratio = {k: round(results["ekey"][k] / results["rasa_init"][k], 2)
             for k in results["ekey"] if results["rasa_init"][k]}
    results["ratio_ekey_over_floor"] = ratio
    lines = ["| metric | ekey | rasa init | ratio |", "|---|---|---|---|"]
    lines += [f"| {k} | {results['ekey'][k]} | {results['rasa_init'][k]} | {ratio.get(k)} |"
              for k in results["ekey"]]
    REPORT_DIR.mkdir(parents=True, exist_ok=True)
    (REPORT_DIR / "bench.json").write_text(json.dumps(results, indent=1))
    (REPORT_DIR / "bench.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"(machine: {os.cpu_count()} cores; report in {REPORT_DIR})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
