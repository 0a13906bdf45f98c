"""The documentation site in a real browser: built with ``mkdocs build --strict``, served on 127.0.0.1 and opened
in headless Chromium (Debian's, driven by Selenium through Debian's chromedriver: nothing is downloaded)."""

from __future__ import annotations

import functools
import os
import http.server
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import zoo

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
BUILD_SECONDS = 120  # the limit for the whole build on 2 cores

pytestmark = pytest.mark.slow


def ensure_chromium() -> None:
    """Install Debian's chromium and chromium-driver when they are missing (root, Debian's mirror)."""
    if CHROMIUM.exists() and CHROMEDRIVER.exists():
        return
    if shutil.which("apt-get") is None:
        pytest.fail("chromium and chromium-driver are missing and there is no apt-get to install them")
    install = ["apt-get", "install", "-y", "--no-install-recommends", "chromium", "chromium-driver"]
    if subprocess.run(install, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update"], check=True, capture_output=True)
        subprocess.run(install, check=True, capture_output=True)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The built site, served on 127.0.0.1: its base URL."""
    directory = tmp_path_factory.mktemp("site")
    # the registry the in-process zoo.list() sees: none of the user's ZOO_* settings (conftest clears them per test)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ZOO_")} | {"NO_MKDOCS_2_WARNING": "1"}
    started = time.perf_counter()
    build = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(directory)],
                           cwd=ROOT, capture_output=True, text=True, env=environment)
    seconds = time.perf_counter() - started
    assert build.returncode == 0, build.stderr[-4000:]
    assert seconds < BUILD_SECONDS, f"the site took {seconds:.0f} s to build"
    handler = functools.partial(Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    thread.join()


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    ensure_chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def visit(browser, url: str, screenshot: Path):
    """Open ``url`` and save a screenshot of it."""
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(url)
    WebDriverWait(browser, 30).until(lambda driver: driver.execute_script("return document.readyState") == "complete")
    browser.save_screenshot(str(screenshot))
    return browser


def console_errors(browser) -> list[str]:
    return [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


def test_the_catalog_lists_every_model_and_filters_to_the_resnets(site, browser, tmp_path):
    from selenium.webdriver.common.by import By

    visit(browser, f"{site}/models/index.html", tmp_path / "catalog.png")
    rows = browser.find_elements(By.CSS_SELECTOR, "article table tbody tr")
    listed = [row.find_element(By.CSS_SELECTOR, "td").text for row in rows]
    assert sorted(listed) == zoo.list()
    browser.find_element(By.ID, "catalog-filter").send_keys("resnet")
    shown = [row.find_element(By.CSS_SELECTOR, "td").text for row in rows if row.is_displayed()]
    assert sorted(shown) == zoo.list("resnet*")
    browser.save_screenshot(str(tmp_path / "catalog-resnet.png"))
    header = browser.find_elements(By.CSS_SELECTOR, "article table thead th")[4]  # Params
    header.click()
    params = [row.find_elements(By.CSS_SELECTOR, "td")[4].text.replace(",", "")
              for row in browser.find_elements(By.CSS_SELECTOR, "article table tbody tr") if row.is_displayed()]
    assert [int(p) for p in params] == sorted(int(p) for p in params)
    assert console_errors(browser) == []


def test_an_architecture_page_a_tag_page_and_the_api_reference(site, browser, tmp_path):
    from selenium.webdriver.common.by import By

    page = visit(browser, f"{site}/models/resnet50.html", tmp_path / "resnet50.png")
    text = page.find_element(By.TAG_NAME, "article").text
    for part in ("Card", "Variants", "Arguments", "Build", "Training recipe", "Search space", "25,636,712"):
        assert part in text
    assert console_errors(browser) == []
    page = visit(browser, f"{site}/tags/lenet5.mnist5k.html", tmp_path / "lenet5.mnist5k.png")
    text = page.find_element(By.TAG_NAME, "article").text
    assert "bed8f4669e830972363193d987c22d234989d98233bab6eae8c149e9870e83d6" in text
    assert "zoo train lenet5 --data mnist5k --epochs 60" in text
    assert console_errors(browser) == []
    page = visit(browser, f"{site}/reference/api.html", tmp_path / "api.png")
    text = page.find_element(By.TAG_NAME, "article").text
    for name in ("zoo.get", "zoo.WeightTag", "zoo.TrainingRecipe", "zoo_register_architectures", "early_stopping_patience"):
        assert name in text
    assert console_errors(browser) == []


def test_the_search_finds_weighttag(site, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    visit(browser, f"{site}/index.html", tmp_path / "home.png")
    browser.find_element(By.CSS_SELECTOR, "label.md-search__icon, .md-search__input").click()
    box = WebDriverWait(browser, 20).until(expected_conditions.element_to_be_clickable(
        (By.CSS_SELECTOR, "input.md-search__input")))
    box.send_keys("WeightTag")
    WebDriverWait(browser, 30).until(lambda driver: any(
        "WeightTag" in item.text for item in driver.find_elements(By.CSS_SELECTOR, ".md-search-result__item")))
    browser.save_screenshot(str(tmp_path / "search.png"))
    assert console_errors(browser) == []


def test_the_explain_gallery_shows_the_shipped_models_inside(site, browser, tmp_path):
    """Drawn from the shipped tags at build time: lenet5's filters, a digit's stages, Grad-CAM right and wrong on
    Fashion-MNIST, five highlighted reviews; every image loads."""
    from selenium.webdriver.common.by import By

    page = visit(browser, f"{site}/explain-gallery.html", tmp_path / "explain-gallery.png")
    text = page.find_element(By.TAG_NAME, "article").text
    for part in ("lenet5's first-layer filters", "A digit through lenet5's stages", "Right", "Wrong",
                 "What decided five reviews", "dull , lifeless and far too long"):
        assert part in text
    pictures = page.find_elements(By.CSS_SELECTOR, "article img")
    assert len(pictures) == 1 + 2 + 8
    assert all(browser.execute_script("return arguments[0].naturalWidth", p) > 0 for p in pictures)
    assert len(page.find_elements(By.CSS_SELECTOR, "article section span")) > 30  # highlighted words
    assert console_errors(browser) == []
