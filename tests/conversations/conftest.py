"""Every conversation test runs twice: on the embedded defaults and on PostgreSQL + Redis."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(scope="session", params=["embedded", "postgres+redis"])
def servers(request: pytest.FixtureRequest) -> Any:
    name = "embedded_servers" if request.param == "embedded" else "production_servers"
    return request.getfixturevalue(name)
