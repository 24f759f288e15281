"""`make eval`: the replies users read, judged by ../shared/tools/chat_eval.py.

Runs the public sample and development sets (../shared/eval/) and the project's two held-out
sets (tests/eval/) against the bot on RASA_PORT
when one answers there, otherwise against a stack it starts on free loopback ports and stops
afterwards, and prints chat_eval's per-language x expected-outcome tables and pass rates.
The same sets run in `make test` as a regression floor (tests/nlu/test_eval_sets.py).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from knowledge.db import PROJECT_ROOT

SHARED = PROJECT_ROOT.parent / "shared"
CHAT_EVAL = SHARED / "tools" / "chat_eval.py"
HELD_OUT = Path(__file__).parent / "eval"  # written from the seeds alone (its README)
CASE_SETS = {"sample": SHARED / "eval" / "sample_cases.json",
             "dev": SHARED / "eval" / "dev_cases.json",
             "heldout_a": HELD_OUT / "heldout_a.json",
             "heldout_b": HELD_OUT / "heldout_b.json"}
PASS_LINE = re.compile(r"^pass (\d+)/(\d+)", re.MULTILINE)


def run_chat_eval(cases: Path, url: str, show_failures: bool = False) -> tuple[str, int, int]:
    """chat_eval's output for one case file, and its passed / total counts."""
    args = [sys.executable, str(CHAT_EVAL), str(cases), "--url", url, "--min-pass", "0"]
    if show_failures:
        args.append("--show-failures")
    out = subprocess.run(args, capture_output=True, text=True, timeout=1800).stdout
    found = PASS_LINE.search(out)
    if not found:
        raise RuntimeError(f"chat_eval printed no result for {cases}:\n{out[-2000:]}")
    return out, int(found.group(1)), int(found.group(2))


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except OSError:
        return False


@contextmanager
def bot() -> Iterator[str]:
    """The REST URL of a running bot: the one on RASA_PORT, or one started for the run."""
    port = int(os.environ.get("RASA_PORT", "5005"))
    if _answers(f"http://127.0.0.1:{port}/"):
        yield f"http://127.0.0.1:{port}/webhooks/rest/webhook"
        return
    from runtime.serve import Stack, free_port

    with tempfile.TemporaryDirectory(prefix="ekey-eval-") as tmp:
        stack = Stack(rasa_port=free_port(), actions_port=free_port(), web_port=free_port(),
                      log_dir=Path(tmp) / "logs",
                      extra_env={"TRACKER_DB": str(Path(tmp) / "tracker.db")})
        print(f"no bot on port {port}: starting one on {stack.rasa_port} ...", flush=True)
        stack.start()
        try:
            yield f"http://127.0.0.1:{stack.rasa_port}/webhooks/rest/webhook"
        finally:
            stack.stop()


def main() -> int:
    if not CHAT_EVAL.exists():
        print(f"{CHAT_EVAL} not found: `make eval` needs ../shared beside the project",
              file=sys.stderr)
        return 2
    show = "--show-failures" in sys.argv
    with bot() as url:
        for name, cases in CASE_SETS.items():
            out, passed, total = run_chat_eval(cases, url, show)
            print(f"## {name} set ({cases.name})\n{out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
