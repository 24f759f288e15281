"""`make bench`: the assistant beside a plain `rasa init` bot, measured in the same run.

Each assistant runs in two setups: the single-process default (SQLite, in-memory locks) and
two Rasa replicas behind nginx sharing PostgreSQL and Redis (started on loopback by the
bench, as the tests do). Each is driven the same way over the REST channel:

- cold start: from launching the processes to the first answered message;
- one sender asking one question after another;
- 20 and 50 senders at once, each firing its messages back to back (saturation: latency
  and messages per second);
- 50 senders with think time (0.5-1.5 s between messages), as people type;
- resident memory of every process, and of the largest Rasa replica;
- training time: `make train` run three times (each with an empty Rasa cache, as on a fresh
  clone), the median reported; the floor trained once here the same way.

The per-sender rate limit is lifted for the bench (it would refuse a sender firing back to
back, which is its job). Results go to var/reports/bench.{json,md}; docs/benchmarks.md records them.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path

from knowledge.db import PROJECT_ROOT, VAR_DIR
from runtime.serve import Stack, free_port

BENCH_DIR = VAR_DIR / "bench"
REPORT_DIR = VAR_DIR / "reports"
OUR_MESSAGES = [
    "电子钥匙锁了要带什么材料？", "How do I unlock my e-port IC card?", "办理地址在哪里？",
    "電子鑰匙丟了怎麼補辦", "Is there a fee for applying for the e-key?", "北京周六可以办吗",
    "首次申领电子钥匙大概要多久？", "技术进出口信息管理系统默认密码是什么",
]
FLOOR_MESSAGES = ["hello", "I am sad", "yes", "are you a bot?", "great", "no", "bye", "hi there"]
SEQUENTIAL = 40
PER_SENDER = 6
TARGETS = {"p95_ms_50_think": ("<=", 400), "msgs_per_s_50": (">=", 25),
           "staff_search_p95_ms": ("<=", 100),
           "cold_start_s": ("<=", 30), "rss_rasa_max_mb": ("<=", 1536)}


def _post(url: str, sender: str, text: str) -> float:
    body = json.dumps({"sender": sender, "message": text}).encode()
    req = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    start = time.perf_counter()
    with urllib.request.urlopen(req, timeout=120) as resp:
        resp.read()
    return time.perf_counter() - start


def _conversation(url: str, messages: list[str], count: int, think: bool = False
                  ) -> list[float]:
    sender = f"bench-{uuid.uuid4().hex[:8]}"
    rnd, out = random.Random(sender), []
    for i in range(count):
        if think:
            time.sleep(rnd.uniform(0.5, 1.5))
        out.append(_post(url, sender, messages[i % len(messages)]))
    return out


def _rss_mb(pid: int) -> float:
    """Resident memory of a process and all its children, in MB."""
    total, todo, seen = 0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            status = Path(f"/proc/{p}/status").read_text()
            total += next(int(line.split()[1]) for line in status.splitlines()
                          if line.startswith("VmRSS:"))
            todo += [int(c) for c in Path(f"/proc/{p}/task/{p}/children").read_text().split()]
        except (OSError, StopIteration):
            continue
    return total / 1024


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] * 1000, 1)


def _crowd(url: str, messages: list[str], senders: int, think: bool
           ) -> tuple[list[float], float]:
    start = time.perf_counter()
    with ThreadPoolExecutor(senders) as pool:
        runs = list(pool.map(lambda _: _conversation(url, messages, PER_SENDER, think),
                             range(senders)))
    return [t for run in runs for t in run], time.perf_counter() - start


def measure(url: str, messages: list[str], stack: Stack) -> dict[str, float]:
    _conversation(url, messages, 4)  # warm-up: first parses load lazily
    out: dict[str, float] = {}
    single = _conversation(url, messages, SEQUENTIAL)
    out |= {"p50_ms_1": _pct(single, 0.5), "p95_ms_1": _pct(single, 0.95),
            "p99_ms_1": _pct(single, 0.99)}
    for n in (20, 50):
        lat, elapsed = _crowd(url, messages, n, think=False)
        out |= {f"p50_ms_{n}": _pct(lat, 0.5), f"p95_ms_{n}": _pct(lat, 0.95),
                f"p99_ms_{n}": _pct(lat, 0.99), f"msgs_per_s_{n}": round(len(lat) / elapsed, 1)}
    lat, _ = _crowd(url, messages, 50, think=True)
    out |= {"p50_ms_50_think": _pct(lat, 0.5), "p95_ms_50_think": _pct(lat, 0.95),
            "p99_ms_50_think": _pct(lat, 0.99)}
    rasa = [p for name, p in stack.named.items() if name.startswith("rasa")]
    out["rss_rasa_max_mb"] = round(max(_rss_mb(p.pid) for p in rasa))
    out["rss_total_mb"] = round(sum(_rss_mb(p.pid) for p in stack.processes))
    return out


STAFF_QUERIES = ["IC卡 解锁", "unlock e-port", "補辦", "海关 地址", "密码", "电子钥匙 更新",
                 "first application online", "注销", "北京 周六", "报关员卡"]


def staff_search_ms(stack: Stack) -> dict[str, float]:
    """The hotline console's search over HTTP, as staff use it while on the phone."""
    import urllib.parse

    times = []
    for _ in range(20):
        for q in STAFF_QUERIES:
            url = (f"http://127.0.0.1:{stack.web_port}/staff/api/search?"
                   + urllib.parse.urlencode({"q": q}))
            req = urllib.request.Request(url, headers={
                "Authorization": f"Bearer {stack.staff_token}"})
            start = time.perf_counter()
            with urllib.request.urlopen(req, timeout=30) as resp:
                resp.read()
            times.append(time.perf_counter() - start)
    return {"staff_search_p50_ms": _pct(times, 0.5), "staff_search_p95_ms": _pct(times, 0.95)}


def floor_model() -> tuple[Path, float | None]:
    """A plain `rasa init` assistant, trained once and kept under var/bench/; its training
    time when trained in this run."""
    project = BENCH_DIR / "rasa_init"
    models = project / "models"
    seconds = None
    if not any(models.glob("*.tar.gz")):
        shutil.rmtree(project, ignore_errors=True)
        project.mkdir(parents=True)
        rasa = str(Path(sys.executable).parent / "rasa")
        subprocess.run([rasa, "init", "--no-prompt", "--init-dir", str(project)], check=True,
                       cwd=project, stdout=subprocess.DEVNULL)
        for old in models.glob("*.tar.gz"):
            old.unlink()
        start = time.perf_counter()  # a fresh cache: Rasa would otherwise reuse components
        subprocess.run([rasa, "train", "--out", "models"], check=True, cwd=project,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       env={**os.environ, "RASA_CACHE_DIRECTORY": str(project / "cache")})
        seconds = round(time.perf_counter() - start, 1)
        (BENCH_DIR / "floor_train_seconds").write_text(str(seconds))
    elif (BENCH_DIR / "floor_train_seconds").exists():
        seconds = float((BENCH_DIR / "floor_train_seconds").read_text())
    return sorted(models.glob("*.tar.gz"))[-1], seconds


@contextmanager
def backends(replicas: int, workdir: Path) -> Iterator[dict[str, str]]:
    """Nothing for the default; PostgreSQL and Redis on loopback for replicas."""
    if replicas == 1:
        yield {}
        return
    sys.path.insert(0, str(Path(__file__).parent))
    import services

    with services.postgres() as db, services.redis(workdir / "redis") as redis:
        yield {"DATABASE_URL": db, "REDIS_URL": redis}


def bench_stack(name: str, messages: list[str], replicas: int, **stack_args: object
                ) -> dict[str, float]:
    """Start one assistant on free loopback ports, measure it, stop it."""
    from knowledge.loader import build

    workdir = BENCH_DIR / f"{name}-{replicas}"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    with ExitStack() as stack_ctx:
        env = stack_ctx.enter_context(backends(replicas, workdir))
        build(env.get("DATABASE_URL") or f"sqlite:///{workdir / 'knowledge.db'}")
        stack = Stack(rasa_port=free_port(), actions_port=free_port(), web_port=free_port(),
                      log_dir=workdir / "logs", replicas=replicas,
                      extra_env={"TRACKER_DB": str(workdir / "tracker.db"),
                                 "EKEY_VAR_DIR": str(workdir), "RATE_LIMIT_PER_SECOND": "1000",
                                 "RATE_LIMIT_BURST": "100000",
                                 # every simulated sender is on loopback: one address
                                 "RATE_LIMIT_ADDRESS_PER_SECOND": "100000",
                                 "RATE_LIMIT_ADDRESS_BURST": "100000", **env}, **stack_args)
        url = f"http://127.0.0.1:{stack.rasa_port}/webhooks/rest/webhook"
        start = time.perf_counter()
        stack.start()
        try:
            _post(url, "cold-start", messages[0])
            cold = round(time.perf_counter() - start, 1)
            out = {"cold_start_s": cold, **measure(url, messages, stack)}
            if name == "ekey" and replicas == 1:
                out |= staff_search_ms(stack)
            return out
        finally:
            stack.stop()


def _check(metric: str, value: float) -> str:
    if metric not in TARGETS:
        return ""
    op, limit = TARGETS[metric]
    ok = value <= limit if op == "<=" else value >= limit
    return f"{'met' if ok else 'NOT met'} ({op} {limit})"


def train_seconds(runs: int = 3) -> list[float]:
    """Wall-clock seconds of `make train`, each run from an empty Rasa cache.

    The model is deterministic (rasa_project/components/linear_intents.py), so retraining
    it here leaves the same model behind.
    """
    out = []
    for run in range(runs):
        cache = BENCH_DIR / f"train-cache-{run}"
        shutil.rmtree(cache, ignore_errors=True)
        start = time.perf_counter()
        subprocess.run(["make", "-s", "train"], check=True, cwd=PROJECT_ROOT,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       env={**os.environ, "RASA_CACHE_DIRECTORY": str(cache)})
        out.append(round(time.perf_counter() - start, 1))
        shutil.rmtree(cache, ignore_errors=True)
    return out


def main() -> int:
    floor, floor_train = floor_model()
    trainings = train_seconds()
    results: dict[str, dict[str, float]] = {
        "training": {"make_train_runs_s": trainings, "make_train_median_s":
                     statistics.median(trainings), "rasa_init_floor_s": floor_train}}
    for replicas in (1, 2):
        results[f"ekey_r{replicas}"] = bench_stack("ekey", OUR_MESSAGES, replicas)
        results[f"floor_r{replicas}"] = bench_stack("floor", FLOOR_MESSAGES, replicas,
                                                    model=floor, rasa_fixes=False)
    lines = [f"Machine: {os.cpu_count()} cores. Training: `make train` "
             f"{statistics.median(trainings)} s (median of {trainings}), rasa init floor "
             f"{floor_train or '?'} s.", ""]
    for replicas, label in ((1, "single process (SQLite)"),
                            (2, "two replicas + nginx (PostgreSQL, Redis)")):
        ours, base = results[f"ekey_r{replicas}"], results[f"floor_r{replicas}"]
        lines += [f"### {label}", "", "| metric | ekey | rasa init | ratio | target |",
                  "|---|---|---|---|---|"]
        for k, v in ours.items():
            ratio = round(v / base[k], 2) if base.get(k) else None
            target = _check(k, v) if replicas == 2 or k in ("cold_start_s",
                                                             "staff_search_p95_ms") else ""
            lines.append(f"| {k} | {v} | {base.get(k)} | {ratio} | {target} |")
        lines.append("")
    REPORT_DIR.mkdir(parents=True, exist_ok=True)
    (REPORT_DIR / "bench.json").write_text(json.dumps(results, indent=1))
    (REPORT_DIR / "bench.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"(report in {REPORT_DIR})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
