"""Seeds (made once per session by the real tools) and the harness for the fuzz tests."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from tests.fuzz.seeds import Seeds, build_seeds
from tests.fuzz.targets import Harness, environment_ready

# The CI pass is deterministic (the same mutants every run, so a red build means a real
# regression); SMIME_FUZZ_RANDOM=1 explores new ones.  Longer runs: scripts/fuzz.py.
settings.register_profile(
    "fuzz",
    derandomize=os.environ.get("SMIME_FUZZ_RANDOM") != "1",
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.function_scoped_fixture],
)


@pytest.fixture(scope="session")
def fuzz_seeds(pki, tmp_path_factory) -> Seeds:
    return build_seeds(pki, tmp_path_factory.mktemp("fuzz-seeds"))


def _harness(fuzz_seeds, tmp_path_factory, *, render: bool):
    environment_ready()
    h = Harness(fuzz_seeds.keystore, tmp_path_factory.mktemp("fuzz-work"), render=render)
    yield h
    h.close()


@pytest.fixture(scope="session")
def harness(fuzz_seeds, tmp_path_factory):
    yield from _harness(fuzz_seeds, tmp_path_factory, render=False)


@pytest.fixture(scope="session")
def render_harness(fuzz_seeds, tmp_path_factory):
    yield from _harness(fuzz_seeds, tmp_path_factory, render=True)


EXECUTIONS: dict[str, int] = {}


def count(target: str) -> None:
    EXECUTIONS[target] = EXECUTIONS.get(target, 0) + 1


def pytest_terminal_summary(terminalreporter) -> None:
    if EXECUTIONS:
        line = ", ".join(f"{t} {n}" for t, n in sorted(EXECUTIONS.items()))
        terminalreporter.write_line(f"fuzz executions: {line}")
