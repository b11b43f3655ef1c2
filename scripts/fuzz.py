"""Longer fuzz runs by hand: the same targets, seeds and mutations as the test suite's pass.

    python scripts/fuzz.py                         # every target, 60 s each
    python scripts/fuzz.py --seconds 600 cms unwrap
    python scripts/fuzz.py --runs 20000 --no-render mailbox
    python scripts/fuzz.py --atheris unwrap        # coverage-guided (one target; Linux x86-64)
    python scripts/fuzz.py --replay tests/fuzz/corpus/crashers

Targets: keyfile, cms, unwrap, mime, mailbox, html (see ``tests/fuzz/targets.py``).  Seeds
are real fixtures made at start (OpenSSL, NSS, our writers) plus ``tests/fuzz/corpus/``.
Each input is mutated from a seed (``tests/fuzz/mutate.py``: truncations, bit flips, DER
length lies and wrong tags, huge declared lengths, MIME damage, DER behind base64).

A finding (an exception other than our own error types, a swallowed unexpected error, or
an input slower than ``--slow`` seconds) is written to ``--out`` (default
``fuzz-findings/<target>/``) as ``<sha1>.bin`` with the traceback beside it; copy the
ones you fix to ``tests/fuzz/corpus/crashers/<target>/`` so the suite replays them.
At the end it prints executions per target, executions per second and the distinct
findings (by exception type and place).

``--atheris``: libFuzzer drives the search with coverage feedback, our structure-aware
mutator as its custom mutator; extra arguments after ``--`` go to libFuzzer (e.g.
``-- -max_total_time=600``).  Needs ``pip install atheris`` (Linux x86-64 wheels).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fuzz.mutate import mutate  # noqa: E402
from tests.fuzz.seeds import TARGETS, Seeds, build_seeds  # noqa: E402
from tests.fuzz.targets import Finding, Harness, environment_ready  # noqa: E402
from tests.support.pki import PKI  # noqa: E402


def signature(text: str) -> str:
    """A finding's identity: its exception line and the innermost place in our code."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    where = [ln.strip() for ln in lines if ln.strip().startswith('File "') and
             "smime_archiver" in ln]
    return f"{lines[-1][:120] if lines else '?'} @ {where[-1] if where else '?'}"


class Run:
    def __init__(self, harness: Harness, seeds: Seeds, out: Path, slow: float):
        self.harness = harness
        self.seeds = seeds
        self.out = out
        self.slow = slow
        self.executions: Counter[str] = Counter()
        self.seconds: Counter[str] = Counter()
        self.findings: dict[tuple[str, str], int] = {}

    def one(self, target: str, data: bytes) -> None:
        start = time.perf_counter()
        problem = None
        try:
            self.harness.run(target, data)
        except Finding as e:
            problem = str(e)
        except Exception:  # the harness itself must not stop a long run
            problem = "harness error:\n" + traceback.format_exc()
        took = time.perf_counter() - start
        self.executions[target] += 1
        self.seconds[target] += took
        if problem is None and took > self.slow:
            problem = f"slow input: {took:.1f} s (limit {self.slow} s)"
        if problem is not None:
            self.record(target, data, problem)

    def record(self, target: str, data: bytes, problem: str) -> None:
        key = (target, signature(problem))
        self.findings[key] = self.findings.get(key, 0) + 1
        folder = self.out / target
        folder.mkdir(parents=True, exist_ok=True)
        name = hashlib.sha1(data).hexdigest()[:16]
        if self.findings[key] == 1:
            (folder / f"{name}.bin").write_bytes(data)
            (folder / f"{name}.txt").write_text(problem, encoding="utf-8",
                                                errors="backslashreplace")
            print(f"[{target}] NEW finding {name}: {key[1]!a}", flush=True)

    def report(self) -> None:
        print("\ntarget      executions   exec/s")
        for target in TARGETS:
            n = self.executions[target]
            if n:
                print(f"{target:<10} {n:>11} {n / max(self.seconds[target], 1e-9):>8.1f}")
        print(f"total      {sum(self.executions.values()):>11}")
        print(f"\ndistinct findings: {len(self.findings)}")
        for (target, sig), count in sorted(self.findings.items()):
            print(f"  [{target}] x{count}: {sig!a}")


def random_loop(run: Run, targets: list[str], seconds: float, runs: int | None,
                seed: int) -> None:
    rng = random.Random(seed)
    per_target = seconds / len(targets)
    for target in targets:
        pool = run.seeds.of(target) or [("empty", b"")]
        all_data = [d for _n, d in pool]
        deadline = time.monotonic() + per_target
        count = 0
        for _name, data in pool:  # every seed as it is, first
            run.one(target, data)
        while (runs is None and time.monotonic() < deadline) or (runs is not None
                                                                  and count < runs):
            _name, data = rng.choice(pool)
            mutant = mutate(data, rng, splice_with=rng.choice(all_data))
            if rng.random() < 0.2:  # stack mutations: damage on damage
                mutant = mutate(mutant, rng)
            run.one(target, mutant)
            count += 1
        print(f"[{target}] {run.executions[target]} executions", flush=True)


def atheris_loop(run: Run, target: str, libfuzzer_args: list[str]) -> None:
    import atheris

    import smime_archiver.crypto.cms.layers
    import smime_archiver.crypto.keys.keyfiles
    import smime_archiver.mailbox
    import smime_archiver.mime.message
    import smime_archiver.render.pdf  # noqa: F401 - loaded so that they are instrumented

    atheris.instrument_all()  # coverage feedback from every Python function loaded
    pool = [d for _n, d in run.seeds.of(target)] or [b""]

    def test_one(data: bytes) -> None:
        try:
            run.harness.run(target, data)
        except Finding as e:
            run.record(target, data, str(e))
            raise

    def custom_mutator(data: bytes, max_size: int, seed: int) -> bytes:
        rng = random.Random(seed)
        base = data if data and rng.random() < 0.7 else rng.choice(pool)
        return mutate(base, rng, splice_with=rng.choice(pool))[:max_size]

    corpus = Path(tempfile.mkdtemp(prefix=f"atheris-{target}-"))
    for i, data in enumerate(pool):
        (corpus / f"seed{i}").write_bytes(data)
    if not any(a.startswith("-artifact_prefix=") for a in libfuzzer_args):
        (run.out / target).mkdir(parents=True, exist_ok=True)  # crash-*/slow-unit-* files
        libfuzzer_args = [*libfuzzer_args, f"-artifact_prefix={run.out / target}/"]
    atheris.Setup([sys.argv[0], str(corpus), "-max_len=4194304", *libfuzzer_args], test_one,
                  custom_mutator=custom_mutator)
    atheris.Fuzz()


def replay(harness: Harness, folder: Path) -> int:
    failures = 0
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.suffix == ".txt" or path.parent.name not in TARGETS:
            continue
        try:
            harness.run(path.parent.name, path.read_bytes())
            print(f"ok    {path}")
        except Finding as e:
            failures += 1
            print(f"FAIL  {path}: {signature(str(e))}")
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("targets", nargs="*", metavar="TARGET",
                        help=f"targets to run: {', '.join(TARGETS)} (default: all)")
    parser.add_argument("--seconds", type=float, default=None,
                        help="time per target for the random loop (default 60)")
    parser.add_argument("--runs", type=int, default=None, help="mutants per target instead")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: time)")
    parser.add_argument("--slow", type=float, default=10.0, help="seconds that make an input "
                        "a finding (default 10)")
    parser.add_argument("--no-render", action="store_true",
                        help="skip PDF rendering in unwrap/mime/html (more executions)")
    parser.add_argument("--out", type=Path, default=Path("fuzz-findings"))
    parser.add_argument("--atheris", action="store_true", help="coverage-guided (one target)")
    parser.add_argument("--replay", type=Path, help="run every file under this folder "
                        "(<folder>/<target>/<file>) once and report")
    args, extra = parser.parse_known_args(argv)
    extra = [a for a in extra if a != "--"]
    targets = list(args.targets) or list(TARGETS)
    unknown = [t for t in targets if t not in TARGETS]
    if unknown:
        parser.error(f"unknown target(s): {', '.join(unknown)}")

    work = Path(tempfile.mkdtemp(prefix="smime-fuzz-seeds-"))
    print("making seeds (OpenSSL, NSS) ...", flush=True)
    seeds = build_seeds(PKI(work / "pki"), work / "files")
    environment_ready()
    harness = Harness(seeds.keystore, work / "scratch", render=not args.no_render)
    if args.replay:
        return replay(harness, args.replay)
    seed = args.seed if args.seed is not None else int(time.time())
    print(f"seed {seed}; seeds per target: "
          + ", ".join(f"{t} {len(seeds.of(t))}" for t in targets), flush=True)
    run = Run(harness, seeds, args.out, args.slow)
    try:
        if args.atheris:
            if len(targets) != 1:
                parser.error("--atheris runs one target at a time")
            atheris_loop(run, targets[0], extra)
        else:
            random_loop(run, targets, (args.seconds or 60.0) * len(targets), args.runs, seed)
    except KeyboardInterrupt:
        print("\ninterrupted")
    finally:
        run.report()
        harness.close()
    return 1 if run.findings else 0


if __name__ == "__main__":
    sys.exit(main())
