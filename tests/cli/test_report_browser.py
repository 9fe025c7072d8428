"""The report in a real browser: Debian's headless Chromium (chromium + chromium-driver, installed by
`make browser`) opens the rendered file with no network, and every chart must be drawn without a
console error.

`UPDATE_REPORT_SCREENSHOT=1` saves the screenshot as docs/report.png (the README's picture);
otherwise it goes to the test's tmp_path.
"""

from __future__ import annotations

import os
import shutil
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

from tests.cli.test_report import CHART_IDS, demo_page

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "docs" / "report.png"
WIDTH = 1280
MAX_HEIGHT = 8000
# SVG marks plotly draws: markers and bars are `.point`, lines `path.js-line`, reference lines shapes.
MARKS = ".scatterlayer .point, .barlayer .point, .scatterlayer path.js-line"


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    chromium, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
    if chromium is None or chromedriver is None:
        missing = " and ".join(
            name for name, path in (("chromium", chromium), ("chromedriver", chromedriver)) if not path
        )
        pytest.skip(f"{missing} not found: `make browser` installs Debian's chromium and chromium-driver (as root)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", f"--window-size={WIDTH},2400"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _open(driver: webdriver.Chrome, page: Path) -> None:
    driver.get(page.as_uri())
    WebDriverWait(driver, 60).until(
        lambda d: d.execute_script("return document.body.getAttribute('data-charts-drawn')") == str(len(CHART_IDS))
    )


def _marks(driver: webdriver.Chrome) -> dict[str, int]:
    counts: dict[str, int] = driver.execute_script(
        "const found = {};"
        "for (const id of arguments[0]) {"
        "  found[id] = document.getElementById(id).querySelectorAll(arguments[1]).length;"
        "}"
        "return found;",
        CHART_IDS,
        MARKS,
    )
    return counts


def _fit_window(driver: webdriver.Chrome) -> int:
    """Size the window so its viewport is WIDTH wide and shows the whole page (up to MAX_HEIGHT);
    the window's own frame (its outer minus inner size) is added. Returns the page's height."""
    page_height = 0
    for _ in range(3):
        inner_w, inner_h, outer_w, outer_h, page_height = driver.execute_script(
            "return [innerWidth, innerHeight, outerWidth, outerHeight,"
            " Math.min(document.documentElement.scrollHeight, arguments[0])]",
            MAX_HEIGHT,
        )
        if (inner_w, inner_h) == (WIDTH, page_height):
            break
        driver.set_window_size(WIDTH + outer_w - inner_w, page_height + outer_h - inner_h)
    return int(page_height)


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def test_every_chart_is_drawn_without_console_errors(browser: webdriver.Chrome, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(demo_page(), encoding="utf-8")
    _open(browser, page)
    severe = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert severe == []
    marks = _marks(browser)
    # Cost: 3 recommendations, the current endpoint, the frontier's line. Latency: 4 bars. Monthly:
    # 3 bars. History: 7 runs on each of its three rows and their 3 lines, 2 regression rings.
    assert marks == {"chart-cost": 3 + 1 + 1, "chart-latency": 4, "chart-monthly": 3, "chart-history": 7 * 3 + 3 + 2}
    # The verdict reads as written, the scripts of the page ran (plotly's SVG is there).
    headline = browser.execute_script("return document.querySelector('.headline').textContent")
    assert headline == "CHANGE to ml.c6i.xlarge x3"
    assert browser.execute_script("return document.querySelectorAll('.js-plotly-plot .main-svg').length") >= 4

    page_height = _fit_window(browser)
    WebDriverWait(browser, 10).until(lambda d: all(count > 0 for count in _marks(d).values()))
    target = SCREENSHOT if os.environ.get("UPDATE_REPORT_SCREENSHOT") == "1" else tmp_path / "report.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(target))
    assert _png_size(target) == (WIDTH, page_height)  # the whole page, at the width it was laid out for
    assert target.stat().st_size > 100_000  # a page of charts and text, not a blank frame


def test_a_report_without_completed_runs_opens_cleanly(browser: webdriver.Chrome, tmp_path: Path) -> None:
    from tests.cli.test_report import failed, records, week

    page = tmp_path / "failed.html"
    page.write_text(demo_page(records(failed(week(1)), failed(week(2), status="TIMED_OUT"))), encoding="utf-8")
    browser.get(page.as_uri())
    WebDriverWait(browser, 30).until(
        lambda d: d.execute_script("return document.body.getAttribute('data-charts-drawn')") == "0"
    )
    assert [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"] == []
    assert browser.execute_script("return document.querySelectorAll('.js-plotly-plot').length") == 0
