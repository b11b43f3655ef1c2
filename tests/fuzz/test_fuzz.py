"""The bounded fuzz pass: mutants of real fixtures through every target (about a minute).

The oracle is in :mod:`tests.fuzz.targets`: any exception other than our own error types,
or an unexpected error swallowed by a catch-all, fails.  Every crasher found so far is
replayed first (``tests/fuzz/corpus/crashers/<target>/``).  Longer runs by hand:
``python scripts/fuzz.py`` (random) or ``--atheris`` (coverage-guided).
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fuzz.conftest import count
from tests.fuzz.mutate import mutate
from tests.fuzz.seeds import TARGETS, crashers

# mutants per target: about 60 s together on the CI machine (2 cores)
BUDGET = {"keyfile": 250, "cms": 1500, "unwrap": 400, "mime": 300, "mailbox": 400,
          "html": 150}
RENDERED = {"unwrap": 25, "mime": 25, "html": 25}  # ... of which also rendered to PDF


@pytest.mark.parametrize("target, name, data",
                         [pytest.param(t, n, d, id=f"{t}/{n}") for t, n, d in crashers()])
def test_crashers_found_so_far_stay_fixed(render_harness, target, name, data):
    render_harness.run(target, data)


@pytest.mark.parametrize("target", TARGETS)
def test_every_seed_passes_unchanged(render_harness, fuzz_seeds, target):
    assert fuzz_seeds.of(target), f"no seeds for {target}"
    for _name, data in fuzz_seeds.of(target):
        render_harness.run(target, data)
        count(target)


def _fuzz(harness, fuzz_seeds, target: str, data) -> None:
    pool = fuzz_seeds.of(target)
    _name, seed = pool[data.draw(st.integers(0, len(pool) - 1), label="seed")]
    rng = random.Random(data.draw(st.integers(0, 2**32 - 1), label="rng"))
    other = pool[rng.randrange(len(pool))][1]
    mutant = mutate(seed, rng, splice_with=other)
    harness.run(target, mutant)
    count(target)


def _make(target: str, rendered: bool):
    examples = RENDERED[target] if rendered else BUDGET[target]
    fixture = "render_harness" if rendered else "harness"

    @settings(settings.get_profile("fuzz"), max_examples=examples)
    @given(data=st.data())
    def test(request, fuzz_seeds, data):
        _fuzz(request.getfixturevalue(fixture), fuzz_seeds, target, data)

    test.__name__ = f"test_mutants_of_{target}" + ("_rendered" if rendered else "")
    return test


for _target in TARGETS:
    globals()[f"test_mutants_of_{_target}"] = _make(_target, False)
for _target in RENDERED:
    globals()[f"test_mutants_of_{_target}_rendered"] = _make(_target, True)
