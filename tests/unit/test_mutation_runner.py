"""make mutation's own arithmetic and bookkeeping (mutation/): the score per module with equivalents
excluded, the gate at 95 %, equivalents that lapse when their mutant changes or is killed, the
fingerprint of a diff, and the plugin's record of which test killed a function's mutants."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from mutation import __main__ as runner
from mutation import pytest_plugin

DIFF = """--- lambdas/recommender/logic/naming.py
+++ lambdas/recommender/logic/naming.py
@@ -1,3 +1,3 @@
 def job_name(prefix):
-    return prefix[:40]
+    return prefix[:41]
"""


@pytest.fixture
def results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A mutants/ directory of meta files and an equivalents list, as a run leaves them."""
    monkeypatch.setattr(runner, "MUTANTS", tmp_path / "mutants")
    monkeypatch.setattr(runner, "EQUIVALENTS", tmp_path / "equivalent.txt")
    monkeypatch.setattr(runner, "source_paths", lambda: ["lambdas/recommender/logic", "rightsize/views.py"])
    monkeypatch.setattr(runner, "diff_of", lambda name, source_path: DIFF)
    (tmp_path / "equivalent.txt").write_text("# header\n\n")
    return tmp_path


def meta(results: Path, source: str, exit_codes: dict[str, int | None]) -> None:
    path = results / "mutants" / f"{source}.meta"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"exit_code_by_key": exit_codes}))


def codes(module: str, function: str, *statuses: int | None) -> dict[str, int | None]:
    return {f"{module}.x_{function}__mutmut_{n}": code for n, code in enumerate(statuses, start=1)}


def test_the_score_excludes_equivalents_and_counts_timeouts_as_detected(
    results: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    naming = "recommender.logic.naming"
    # 18 killed, 1 timeout, 1 survivor accepted as equivalent: 19 / 19.
    meta(results, "lambdas/recommender/logic/naming.py", codes(naming, "job_name", *[1] * 18, 36, 0))
    # 19 killed, 1 not checked: 19 / 20 = 95 %, exactly the gate.
    meta(results, "rightsize/views.py", codes("rightsize.views", "money", *[1] * 19, None))
    fingerprint = runner.fingerprint(DIFF)
    (results / "equivalent.txt").write_text(f"{naming}.x_job_name__mutmut_20 {fingerprint} the same name\n")

    assert runner.summary(95.0) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "module", "mutants", "killed", "timeout", "survived", "no", "tests", "other", "equivalent", "score",
    ]  # fmt: skip
    assert lines[1].split() == [naming, "20", "18", "1", "0", "0", "0", "1", "100.0", "%"]
    assert lines[2].split() == ["rightsize.views", "20", "19", "0", "0", "0", "1", "0", "95.0", "%"]
    assert lines[3].split() == ["total", "40", "37", "1", "0", "0", "1", "1", "97.4", "%"]


def test_a_module_below_the_gate_fails_and_is_named(results: Path, capsys: pytest.CaptureFixture[str]) -> None:
    meta(results, "lambdas/recommender/logic/naming.py", codes("recommender.logic.naming", "job_name", 1, 1, 0))
    assert runner.summary(95.0) == 1
    out = capsys.readouterr().out
    assert "66.7 %" in out
    assert "below 95 %: recommender.logic.naming  (python -m mutation survivors MODULE)" in out


def test_an_equivalent_whose_diff_changed_or_that_was_killed_fails_the_run(
    results: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    naming = "recommender.logic.naming"
    meta(results, "lambdas/recommender/logic/naming.py", codes(naming, "job_name", *[1] * 40, 0))
    (results / "equivalent.txt").write_text(
        f"{naming}.x_job_name__mutmut_41 0000000000 its diff has changed since\n"
        f"{naming}.x_job_name__mutmut_1 {runner.fingerprint(DIFF)} killed since\n"
        f"{naming}.x_job_name__mutmut_99 {runner.fingerprint(DIFF)} gone\n"
    )
    assert runner.summary(95.0) == 1
    out = capsys.readouterr().out
    # The stale one counts as a survivor again: 40 / 41.
    assert f"{naming}" in out
    assert "97.6 %" in out
    assert (
        f"stale equivalent (counted as a survivor): {naming}.x_job_name__mutmut_41: its diff changed "
        "(fingerprint 0000000000); look again"
    ) in out
    assert f"stale equivalent (counted as a survivor): {naming}.x_job_name__mutmut_99: no such mutant any more" in out
    assert (
        f"listed as equivalent but killed (remove it from equivalent.txt): {naming}.x_job_name__mutmut_1: "
        "killed, not equivalent"
    ) in out


def test_an_equivalent_renumbered_by_an_earlier_change_says_where_its_diff_went(
    results: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A mutant added before it in the function: the entry's number is now another mutant's (killed),
    and its own diff survives under the next number."""
    naming = "recommender.logic.naming"
    meta(results, "lambdas/recommender/logic/naming.py", codes(naming, "job_name", 1, 1, 0))
    (results / "equivalent.txt").write_text(f"{naming}.x_job_name__mutmut_2 {runner.fingerprint(DIFF)} the same\n")
    assert runner.summary(95.0) == 1
    assert (
        f"listed as equivalent but killed (remove it from equivalent.txt): {naming}.x_job_name__mutmut_2: "
        f"killed, not equivalent; its diff is now {naming}.x_job_name__mutmut_3 (renumbered: rename the entry)"
    ) in capsys.readouterr().out.splitlines()


def test_a_fresh_run_clears_every_result_but_the_record_of_killers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mutants = tmp_path / "mutants"
    (mutants / "lambdas").mkdir(parents=True)
    (mutants / "lambdas" / "naming.py.meta").write_text("{}")
    (mutants / "killers").mkdir()
    (mutants / "killers" / "recommender.logic.naming.x_job_name.txt").write_text("tests/unit/test_naming.py::t\n")
    monkeypatch.setattr(runner, "MUTANTS", mutants)
    seen: list[list[str]] = []
    monkeypatch.setattr(
        runner, "mutmut_cli", lambda args: seen.append(sorted(str(p.relative_to(mutants)) for p in mutants.rglob("*")))
    )
    monkeypatch.setattr(runner, "summary", lambda min_score: 0)
    assert runner.run_fresh(95.0) == 0
    assert seen == [["killers", "killers/recommender.logic.naming.x_job_name.txt"]]
    assert pytest_plugin.KILLERS_DIR == runner.KILLERS_DIR
    # Without a record, nothing is left.
    runner.clear_results()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mutants"]
    shutil.rmtree(mutants / "killers")
    runner.clear_results()
    assert list(tmp_path.iterdir()) == []


def test_no_results_is_a_failure_that_says_what_to_do(results: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert runner.summary(95.0) == 1
    assert capsys.readouterr().out == "No results in mutants/: run `make mutation` first.\n"


def test_a_malformed_equivalent_names_its_line(results: Path) -> None:
    (results / "equivalent.txt").write_text("# header\nrecommender.logic.naming.x_job_name__mutmut_1 abc\n")
    with pytest.raises(SystemExit, match=r"equivalent.txt:2: expected NAME FINGERPRINT REASON"):
        runner.equivalents()


def test_the_fingerprint_is_of_the_changed_lines_only() -> None:
    moved = DIFF.replace("@@ -1,3 +1,3 @@", "@@ -10,3 +10,3 @@").replace(" def job_name(prefix):", " def job_name(p):")
    assert runner.fingerprint(moved) == runner.fingerprint(DIFF)
    assert runner.fingerprint(DIFF.replace("[:41]", "[:39]")) != runner.fingerprint(DIFF)
    assert len(runner.fingerprint(DIFF)) == 10


# ------------------------------------------------------------------------------ the plugin's killers
class Report:
    def __init__(self, nodeid: str, failed: bool) -> None:
        self.nodeid, self.failed = nodeid, failed


def test_the_tests_that_killed_a_functions_mutants_come_first_latest_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    log: Any = pytest_plugin.pytest_runtest_logreport
    monkeypatch.setenv("MUTANT_UNDER_TEST", "recommender.logic.naming.x_job_name__mutmut_3")
    assert pytest_plugin._function_under_test() == "recommender.logic.naming.x_job_name"
    for nodeid, failed in (("tests/a.py::one", True), ("tests/a.py::two", False), ("tests/b.py::three", True)):
        log(Report(nodeid, failed))
    log(Report("tests/a.py::one", True))
    assert pytest_plugin._killers("recommender.logic.naming.x_job_name") == ["tests/a.py::one", "tests/b.py::three"]
    assert pytest_plugin._killers("recommender.logic.naming.x_other") == []


@pytest.mark.parametrize("under_test", ["", "stats", "list_all_tests"])
def test_no_killer_is_recorded_without_a_mutant(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, under_test: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MUTANT_UNDER_TEST", under_test)
    pytest_plugin.pytest_runtest_logreport(Report("tests/a.py::one", True))  # type: ignore[arg-type]
    assert pytest_plugin._function_under_test() is None
    assert not (tmp_path / pytest_plugin.KILLERS_DIR).exists()
    assert os.environ["MUTANT_UNDER_TEST"] == under_test


def test_durations_are_read_once_mutmut_has_written_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(pytest_plugin, "_DURATIONS", {})
    assert pytest_plugin._durations() == {}  # a fresh run's first sessions: no stats yet
    (tmp_path / "mutmut-stats.json").write_text(json.dumps({"duration_by_test": {"tests/a.py::one": 1.5}}))
    assert pytest_plugin._durations() == {"tests/a.py::one": 1.5}
    (tmp_path / "mutmut-stats.json").write_text(json.dumps({"duration_by_test": {}}))
    assert pytest_plugin._durations() == {"tests/a.py::one": 1.5}  # read once
