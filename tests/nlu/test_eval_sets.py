"""The public end-to-end sets, judged on the replies, as a regression floor.

chat_eval (../shared/tools/chat_eval.py) sends every case of the sample and development
sets (../shared/eval/) and of the held-out sets (tests/eval/) through the REST channel of
the stack the tests started, and judges
each reply by the facts it must and must not contain. The report goes to
var/reports/eval_<set>.txt. A change that makes users' answers worse cannot land.
"""

from __future__ import annotations

import pytest
from eval_sets import CASE_SETS, CHAT_EVAL, run_chat_eval

from knowledge.db import VAR_DIR

pytestmark = pytest.mark.conversation
# The sample set must pass whole; the others may not fall below the target (dev) or
# a little under what they reached (228/228, 100/100, 88/90), so that a retrained model's
# one or two changed answers do not fail the build but a regression does.
FLOORS = {"sample": 1.0, "dev": 0.97, "heldout_a": 0.96, "heldout_b": 0.93}


@pytest.mark.skipif(not CHAT_EVAL.exists(), reason="../shared is not beside the project")
@pytest.mark.parametrize("name", sorted(CASE_SETS))
def test_end_to_end_cases_pass(rest_url: str, name: str) -> None:
    out, passed, total = run_chat_eval(CASE_SETS[name], rest_url, show_failures=True)
    (VAR_DIR / "reports").mkdir(parents=True, exist_ok=True)
    (VAR_DIR / "reports" / f"eval_{name}.txt").write_text(out, encoding="utf-8")
    assert passed / total >= FLOORS[name], out[-3000:]
