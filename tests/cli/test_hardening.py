"""Keys and passwords never reach a core dump: the CLI (and each worker) has core dumps
off (soft and hard limit 0) and, on Linux, is not dumpable once it handles keys."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from smime_archiver import cli
from tests.support import tools

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Kerne-dump-7731"

PROBE = """
import json, resource, sys
from smime_archiver import cli
from smime_archiver.hardening import is_dumpable
rc = cli.main(sys.argv[1:])
print(json.dumps({"rc": rc, "dumpable": is_dumpable(),
                  "core": list(resource.getrlimit(resource.RLIMIT_CORE))}))
"""


def run_probe(argv: list[str], code: str = PROBE) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), **{cli.PASSWORD_ENV: PASSWORD})
    done = subprocess.run([sys.executable, "-c", code, *argv], cwd=ROOT, env=env,
                          capture_output=True, timeout=120, check=True)
    return json.loads(done.stdout.decode().strip().splitlines()[-1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")
def test_a_cli_process_that_loaded_a_key_cannot_dump_core(pki, tmp_path):
    p12 = tools.p12_export(pki.identity("dump-me", cn="Kerne Dump"), tmp_path / "k.p12",
                           PASSWORD)
    state = run_probe(["keys", str(p12)])
    assert state["rc"] == cli.EXIT_OK  # the key was loaded
    assert state["dumpable"] is False
    assert state["core"] == [0, 0]  # the hard limit too: it cannot be raised again


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")
def test_a_spawned_worker_protects_itself():
    """A spawned worker is a new program (the kernel makes it dumpable again)."""
    code = """
import json, logging, resource
from smime_archiver import parallel
from smime_archiver.hardening import is_dumpable
from smime_archiver.work import WorkOptions
parallel._init_worker(parallel._Setup(options=WorkOptions(tmp_dir=None), language="en"))
print(json.dumps({"dumpable": is_dumpable(),
                  "core": list(resource.getrlimit(resource.RLIMIT_CORE))}))
"""
    state = run_probe([], code)
    assert state == {"dumpable": False, "core": [0, 0]}
