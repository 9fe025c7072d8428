"""The fork server's warm-up (pyproject's [tool.mutmut] `forkserver_warmup = "import"`): mutmut
imports this module once in the process it forks every mutant's test run from, so what it loads
here each of those runs inherits instead of loading again.

mutmut's own warm-up only collects the tests (their modules imported). A handler test also builds
a world each time: botocore parses the service models of every new session's clients (a JSON file
of megabytes for SageMaker, each parsed with an OrderedDict per object), moto and the strict world
load their data, and the synthesized template is read. Here the tests are collected as mutmut
would, then a few handler tests that reach every step run once, with no mutant active: the
plugin's caches (mutation/pytest_plugin.py) then hold all of that for every mutant. Measured on
3 handler tests in a forked run: 25.8 s without, 6 to 11 s with (2 busy cores).

Nothing here decides a result: the warm-up's own outcome is ignored (mutmut silences its output);
mutants/warm-up.log says how long it took and how its tests ended.
"""

from __future__ import annotations

import os
import time
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LOG = "warm-up.log"  # in mutants/: how long the warm-up took, and its tests' exit code
# Handler tests that together run every step function through its synthesized role.
WARM_TESTS = [
    "tests/handlers/test_publish_handler.py::test_run_item",
    "tests/handlers/test_record_failure_handler.py::test_catch_of_endpoint_not_eligible",
    "tests/handlers/test_fleet_handlers.py::test_selects_by_tags",
]


def warm_up() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
    extra = [*config["pytest_add_cli_args"], "--rootdir=."]
    here = Path.cwd()
    os.chdir(ROOT / "mutants")  # where mutmut runs every test session
    try:
        started = time.monotonic()
        collected = pytest.main(["--collect-only", "-qqq", *config["pytest_add_cli_args_test_selection"], *extra])
        collect_seconds = time.monotonic() - started
        ran = pytest.main(["-q", "-x", *WARM_TESTS, *extra])
        run_seconds = time.monotonic() - started - collect_seconds
        Path(LOG).write_text(
            f"pid {os.getpid()}: collected (exit {int(collected)}) in {collect_seconds:.1f} s, "
            f"{len(WARM_TESTS)} handler tests (exit {int(ran)}) in {run_seconds:.1f} s\n"
        )
    finally:
        os.chdir(here)


warm_up()
