"""make mutation: mutmut over the Lambda package's logic/ and steps/ and the CLI's pure modules
(rightsize/views.py, rightsize/progress.py), killed by tests/unit and tests/handlers.

    python -m mutation run                   a fresh full run (mutants/ rebuilt), then the summary
    python -m mutation resume                carry on with an interrupted run (and the mutants of functions
                                             changed since), keeping every result; then the summary
    python -m mutation retest [PATTERN ...]  re-test the mutants not killed (all, or the names matching
                                             the fnmatch patterns), keeping every other result; then the summary
    python -m mutation summary               killed / survived / equivalent / score per module
    python -m mutation survivors MODULE      the surviving mutants of one module, each with its diff
    python -m mutation equivalent NAME REASON  accept a surviving mutant as equivalent (mutation/equivalent.txt)
    python -m mutation show NAME             (and results, browse, tests-for-mutant ...): mutmut's own commands

The layout: mutmut copies the tree into mutants/ and names each mutant after its file's path, while
the tests import the package the way Lambda does, from the asset root lambdas/ (pytest's pythonpath):
`recommender.logic.naming`, not `lambdas.recommender.logic.naming`. mutmut's names are made the
same here (the asset root dropped), so the functions the tests reach, the mutants and the names
people type (`recommender.logic.naming.x_job_name__mutmut_3`) all agree. Run every mutmut command
through this module: plain `mutmut` does not know the names.

A mutant survives when no test fails with it in place. Either a test is missing (write it), or the
mutant is equivalent: no input can tell it from the original. Equivalents are listed in
mutation/equivalent.txt, one a line: the name, the fingerprint of its diff (so an entry whose
function changed no longer applies, and says so) and the reason.
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import os
import shutil
import sys
import time
import tomllib
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENTS = Path(__file__).resolve().parent / "equivalent.txt"
MUTANTS = ROOT / "mutants"
# The asset root: on Lambda (and in the tests) the package imports from inside it.
ASSET_ROOT = "lambdas."
MAX_CHILDREN = "2"
KILLERS_DIR = "killers"  # mutation/pytest_plugin.py's record, kept across fresh runs
MIN_SCORE = 95.0
# mutmut's exit codes, as its stats module reads them.
DETECTED = {"killed", "timeout"}


# ------------------------------------------------------------------------------ mutmut, with the names
def mutmut_cli(args: Sequence[str]) -> None:
    """Run one mutmut command (its click CLI) in this process, with the names the tests use."""
    os.chdir(ROOT)  # mutmut reads [tool.mutmut] from the working directory's pyproject.toml, at import
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    main = _patched_mutmut()
    main.cli.main(args=list(args), prog_name="mutmut", standalone_mode=False)


def _patched_mutmut() -> Any:
    import mutmut.__main__ as main
    from mutmut.mutation import file_mutation
    from mutmut.utils import format_utils

    original = format_utils.get_mutant_name
    if getattr(original, "asset_root_dropped", False):
        return main

    def get_mutant_name(relative_source_path: Path, mutant_method_name: str) -> str:
        return str(original(relative_source_path, mutant_method_name)).removeprefix(ASSET_ROOT)

    get_mutant_name.asset_root_dropped = True  # type: ignore[attr-defined]
    # Every module that imported the function by name (mutmut 3.8.1, pinned).
    for module in (format_utils, main, file_mutation):
        setattr(module, "get_mutant_name", get_mutant_name)  # noqa: B010  (a module attribute)
    return main


def diff_of(name: str, source_path: str) -> str:
    os.chdir(ROOT)
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    return str(get_diff_for_mutant(name, path=source_path))


def fingerprint(diff: str) -> str:
    """What the mutation changes (the diff's -/+ lines), hashed: it survives edits elsewhere in the file."""
    changed = [line.strip() for line in diff.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    return hashlib.sha256("\n".join(changed).encode()).hexdigest()[:10]


# ------------------------------------------------------------------------------ results
@dataclass
class Mutant:
    name: str
    module: str
    source_path: str
    status: str


def status_of(exit_code: int | None) -> str:
    from mutmut.stats import status_by_exit_code

    return str(status_by_exit_code[exit_code])


def source_paths() -> list[str]:
    """What mutmut mutates ([tool.mutmut] source_paths): directories and files."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
    return [str(path) for path in config["source_paths"]]


def mutants() -> Iterator[Mutant]:
    """Every mutant of the last run, from mutmut's meta files (mutants/<source>.meta)."""
    metas = [
        meta
        for path in source_paths()
        for meta in ([MUTANTS / f"{path}.meta"] if path.endswith(".py") else (MUTANTS / path).rglob("*.py.meta"))
        if meta.exists()
    ]
    for meta in sorted(metas):
        source_path = str(meta.relative_to(MUTANTS))[: -len(".meta")]
        module = source_path[: -len(".py")].replace("/", ".").removeprefix(ASSET_ROOT)
        for name, exit_code in json.loads(meta.read_text())["exit_code_by_key"].items():
            yield Mutant(name, module, source_path, status_of(exit_code))


@dataclass
class Equivalent:
    name: str
    fingerprint: str
    reason: str


def equivalents() -> dict[str, Equivalent]:
    found: dict[str, Equivalent] = {}
    for number, line in enumerate(EQUIVALENTS.read_text().splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split(maxsplit=2)
        if len(parts) < 3:
            sys.exit(f"{EQUIVALENTS}:{number}: expected NAME FINGERPRINT REASON, got {line!r}")
        found[parts[0]] = Equivalent(*parts)
    return found


@dataclass
class Row:
    killed: int = 0
    timeout: int = 0
    survived: int = 0
    no_tests: int = 0
    other: int = 0
    equivalent: int = 0
    statuses: Counter[str] = field(default_factory=Counter)

    def add(self, status: str, equivalent: bool) -> None:
        self.statuses[status] += 1
        if status == "killed":
            self.killed += 1
        elif status == "timeout":
            self.timeout += 1
        elif equivalent:
            self.equivalent += 1
        elif status == "survived":
            self.survived += 1
        elif status == "no tests":
            self.no_tests += 1
        else:
            self.other += 1

    @property
    def total(self) -> int:
        return sum(self.statuses.values())

    @property
    def score(self) -> float:
        counted = self.total - self.equivalent
        return 100.0 if counted == 0 else 100.0 * (self.killed + self.timeout) / counted


def summary(min_score: float) -> int:
    """The table per module; 1 when a module scores below min_score or the equivalents list is stale."""
    accepted = equivalents()
    found = list(mutants())
    if not found:
        print("No results in mutants/: run `make mutation` first.")
        return 1
    rows: dict[str, Row] = {}
    by_name = {mutant.name: mutant for mutant in found}
    stale: list[str] = []
    killed_equivalents: list[str] = []
    for name, entry in accepted.items():
        mutant = by_name.get(name)
        if mutant is None:
            stale.append(f"{name}: no such mutant any more")
        elif mutant.status in DETECTED:
            killed_equivalents.append(f"{name}: {mutant.status}, not equivalent")
        elif fingerprint(diff_of(name, mutant.source_path)) != entry.fingerprint:
            stale.append(f"{name}: its diff changed (fingerprint {entry.fingerprint}); look again")
    valid = {name for name in accepted if not any(line.startswith(f"{name}:") for line in stale)}
    # A change earlier in a function renumbers its mutants: say where an entry's diff went.
    lapsed = [line.split(":", 1)[0] for line in stale + killed_equivalents]
    moved = renumbered({name: accepted[name] for name in lapsed}, found, valid)
    stale = [_moved(line, moved) for line in stale]
    killed_equivalents = [_moved(line, moved) for line in killed_equivalents]
    for mutant in found:
        rows.setdefault(mutant.module, Row()).add(mutant.status, mutant.name in valid)

    header = ("module", "mutants", "killed", "timeout", "survived", "no tests", "other", "equivalent", "score")
    width = max(len(module) for module in rows) + 2
    print(f"{header[0]:<{width}}" + "".join(f"{title:>11}" for title in header[1:]))
    total = Row()
    below = []
    for module, row in sorted(rows.items()):
        print(_line(module, row, width))
        total.statuses.update(row.statuses)
        for attribute in ("killed", "timeout", "survived", "no_tests", "other", "equivalent"):
            setattr(total, attribute, getattr(total, attribute) + getattr(row, attribute))
        if row.score < min_score:
            below.append(module)
    print(_line("total", total, width))
    print()
    print("score = (killed + timeout) / (mutants - equivalent); other = suspicious, segfault, not checked, ...")
    for line in stale:
        print(f"stale equivalent (counted as a survivor): {line}")
    for line in killed_equivalents:
        print(f"listed as equivalent but killed (remove it from {EQUIVALENTS.name}): {line}")
    if below:
        print(f"below {min_score:g} %: {', '.join(below)}  (python -m mutation survivors MODULE)")
    return 1 if below or stale or killed_equivalents else 0


def renumbered(lapsed: dict[str, Equivalent], found: list[Mutant], valid: set[str]) -> dict[str, str]:
    """For each lapsed entry, the surviving mutant of the same function with the entry's diff, if any."""
    moved: dict[str, str] = {}
    for name, entry in lapsed.items():
        function = name.rsplit("__mutmut_", 1)[0]
        for mutant in found:
            if (
                mutant.name.rsplit("__mutmut_", 1)[0] == function
                and mutant.status not in DETECTED
                and mutant.name not in valid
                and mutant.name not in moved.values()
                and fingerprint(diff_of(mutant.name, mutant.source_path)) == entry.fingerprint
            ):
                moved[name] = mutant.name
                break
    return moved


def _moved(line: str, moved: dict[str, str]) -> str:
    name = line.split(":", 1)[0]
    return f"{line}; its diff is now {moved[name]} (renumbered: rename the entry)" if name in moved else line


def _line(module: str, row: Row, width: int) -> str:
    counts = (row.total, row.killed, row.timeout, row.survived, row.no_tests, row.other, row.equivalent)
    return f"{module:<{width}}" + "".join(f"{count:>11}" for count in counts) + f"{row.score:>10.1f} %"


def survivors(module: str) -> int:
    accepted = equivalents()
    shown = 0
    for mutant in mutants():
        if mutant.module != module or mutant.status in DETECTED or mutant.name in accepted:
            continue
        shown += 1
        print(f"# {mutant.name}: {mutant.status}")
        print(diff_of(mutant.name, mutant.source_path))
        print()
    print(f"{shown} surviving mutant(s) of {module} (equivalents in {EQUIVALENTS.name} not shown)")
    return 0


def accept_equivalent(name: str, reason: str) -> int:
    mutant = next((mutant for mutant in mutants() if mutant.name == name), None)
    if mutant is None:
        sys.exit(f"no mutant {name} in mutants/")
    if mutant.status in DETECTED:
        sys.exit(f"{name} is {mutant.status}: not a survivor")
    line = f"{name} {fingerprint(diff_of(name, mutant.source_path))} {' '.join(reason.split())}\n"
    with EQUIVALENTS.open("a") as listing:
        listing.write(line)
    print(line, end="")
    return 0


# ------------------------------------------------------------------------------ runs
def run_fresh(min_score: float) -> int:
    started = time.monotonic()
    clear_results()
    mutmut_cli(["run", "--max-children", MAX_CHILDREN])
    print(f"\nwall time: {time.monotonic() - started:.0f} s\n")
    return summary(min_score)


def clear_results() -> None:
    """mutants/ emptied of every result, keeping only the record of which tests killed each
    function's mutants (mutation/pytest_plugin.py): it orders a mutant's tests, it decides nothing."""
    killers = MUTANTS / KILLERS_DIR
    kept = MUTANTS.with_name(f".{MUTANTS.name}-{KILLERS_DIR}")
    shutil.rmtree(kept, ignore_errors=True)
    if killers.is_dir():
        killers.rename(kept)
    shutil.rmtree(MUTANTS, ignore_errors=True)
    if kept.is_dir():
        MUTANTS.mkdir()
        kept.rename(killers)


def resume(min_score: float) -> int:
    started = time.monotonic()
    mutmut_cli(["run", "--max-children", MAX_CHILDREN])
    print(f"\nwall time: {time.monotonic() - started:.0f} s\n")
    return summary(min_score)


def retest(patterns: Sequence[str], min_score: float) -> int:
    started = time.monotonic()
    accepted = equivalents()
    names = [
        mutant.name
        for mutant in mutants()
        if mutant.status not in DETECTED
        and mutant.name not in accepted
        and (not patterns or any(fnmatch.fnmatch(mutant.name, pattern) for pattern in patterns))
    ]
    if names:
        mutmut_cli(["run", "--max-children", MAX_CHILDREN, *names])
        print(f"\nre-tested {len(names)} mutant(s), wall time: {time.monotonic() - started:.0f} s\n")
    else:
        print("nothing to re-test\n")
    return summary(min_score)


OWN_COMMANDS = {"run", "resume", "retest", "summary", "survivors", "equivalent"}


def main(argv: Sequence[str]) -> int:
    if argv and argv[0] not in OWN_COMMANDS and argv[0] not in {"-h", "--help"}:
        mutmut_cli(argv)  # show, results, browse, tests-for-mutant, ...
        return 0
    parser = argparse.ArgumentParser(
        prog="python -m mutation", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--min-score", type=float, default=MIN_SCORE, help="per module, percent (default 95)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="a fresh full run, then the summary")
    commands.add_parser("resume", help="carry on with an interrupted run, then the summary")
    retest_parser = commands.add_parser("retest", help="re-test the mutants not killed, then the summary")
    retest_parser.add_argument("patterns", nargs="*", help="fnmatch patterns of mutant names (default: all)")
    commands.add_parser("summary", help="the table per module")
    survivors_parser = commands.add_parser("survivors", help="the surviving mutants of one module with their diffs")
    survivors_parser.add_argument("module", help="e.g. recommender.logic.notification")
    equivalent_parser = commands.add_parser("equivalent", help="accept a surviving mutant as equivalent")
    equivalent_parser.add_argument("name")
    equivalent_parser.add_argument("reason")
    args = parser.parse_args(argv)
    if args.command == "run":
        return run_fresh(args.min_score)
    if args.command == "resume":
        return resume(args.min_score)
    if args.command == "retest":
        return retest(args.patterns, args.min_score)
    if args.command == "summary":
        return summary(args.min_score)
    if args.command == "survivors":
        return survivors(args.module)
    return accept_equivalent(args.name, args.reason)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
