"""`rasa data validate` passes without a single warning on the project's domain and data."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from knowledge.db import PROJECT_ROOT


def test_rasa_data_validate_is_clean() -> None:
    rasa = str(Path(sys.executable).parent / "rasa")
    result = subprocess.run(
        [rasa, "data", "validate", "--fail-on-warnings", "--domain", "rasa_project/domain.yml",
         "--data", "rasa_project/data", "--config", "rasa_project/config.yml"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
