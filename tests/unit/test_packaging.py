"""The installed CLI carries every package it imports: pyproject's explicit package list is the
package directories of rightsize/ and lambdas/recommender/, no more, no fewer."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _packages_on_disk() -> set[str]:
    found = set()
    for top, base in (("rightsize", ROOT / "rightsize"), ("recommender", ROOT / "lambdas" / "recommender")):
        for init in base.rglob("__init__.py"):
            relative = init.parent.relative_to(base)
            found.add(".".join((top, *relative.parts)))
    return found


def test_every_package_is_listed_for_installation() -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert set(setuptools["packages"]) == _packages_on_disk()
    assert setuptools["package-dir"] == {"rightsize": "rightsize", "recommender": "lambdas/recommender"}
    # The report's template ships with the package.
    assert setuptools["package-data"] == {"rightsize": ["templates/*.j2"]}
    assert (ROOT / "rightsize" / "templates" / "report.html.j2").is_file()


def test_the_console_script_is_the_cli() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"] == {"rightsize": "rightsize.cli:main"}
    # The CLI's libraries stay out of the Lambda runtime dependencies (and so out of the asset).
    runtime = " ".join(project["dependencies"])
    for library in ("click", "rich", "jinja2", "plotly"):
        assert library not in runtime
        assert any(pin.startswith(f"{library}==") for pin in project["optional-dependencies"]["cli"])
