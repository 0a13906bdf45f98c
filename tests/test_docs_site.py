"""The documentation site in a real browser: built with ``mkdocs build --strict``, served on 127.0.0.1 and opened
in headless Chromium (Debian's, driven by Selenium through Debian's chromedriver: nothing is downloaded)."""

from __future__ import annotations

import contextlib
import functools
import os
import re
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
def built(tmp_path_factory) -> Path:
    """The site, built with ``mkdocs build --strict``: its directory."""
    directory = tmp_path_factory.mktemp("site")
    # the registry the in-process zoo.list() sees: none of the user's ZOO_* settings (conftest clears them per test)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ZOO_")} | {"NO_MKDOCS_2_WARNING": "1"}
    started = time.perf_counter()
    build = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(directory)],
                           cwd=ROOT, capture_output=True, text=True, env=environment)
    seconds = time.perf_counter() - started
    assert build.returncode == 0, build.stderr[-4000:]
    assert seconds < BUILD_SECONDS, f"the site took {seconds:.0f} s to build"
    return directory


@pytest.fixture(scope="module")
def site(built):
    """The built site, served on 127.0.0.1: its base URL."""
    handler = functools.partial(Quiet, directory=str(built))
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
    assert sorted(listed) == sorted(zoo.list())
    browser.find_element(By.ID, "catalog-filter").send_keys("resnet")
    shown = [row.find_element(By.CSS_SELECTOR, "td").text for row in rows if row.is_displayed()]
    assert sorted(shown) == sorted(zoo.list("*resnet*"))  # the filter matches anywhere in a name, as a search box
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


@pytest.mark.parametrize("where", ["served", "file"])
def test_the_search_finds_weighttag_served_and_from_the_file_system(where, built, site, browser, tmp_path):
    """The README says to open site/index.html: search works there too, with nothing fetched from the network."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    home = f"{site}/index.html" if where == "served" else (built / "index.html").as_uri()
    visit(browser, home, tmp_path / "home.png")
    assert "unpkg.com" not in browser.page_source and "googleapis" not in browser.page_source
    box = WebDriverWait(browser, 20).until(expected_conditions.element_to_be_clickable(
        (By.CSS_SELECTOR, "input.md-search__input")))
    box.click()
    box.send_keys("WeightTag")
    from selenium.common.exceptions import StaleElementReferenceException

    # the results list is redrawn as the query is typed: an item read while it is replaced is read again
    WebDriverWait(browser, 30, ignored_exceptions=(StaleElementReferenceException,)).until(lambda driver: any(
        "WeightTag" in item.text for item in driver.find_elements(By.CSS_SELECTOR, ".md-search-result__item")))
    browser.save_screenshot(str(tmp_path / "search.png"))
    assert console_errors(browser) == []


@contextlib.contextmanager
def window_width(browser, width: int):
    """The browser window ``width`` pixels wide, for the duration."""
    previous = browser.get_window_size()
    browser.set_window_size(width, 1000)
    try:
        yield
    finally:
        browser.set_window_size(previous["width"], previous["height"])


def test_every_catalog_column_is_in_view_at_1280_pixels(site, browser, tmp_path):
    from selenium.webdriver.common.by import By

    with window_width(browser, 1280):
        visit(browser, f"{site}/models/index.html", tmp_path / "catalog-1280.png")
        table = browser.find_element(By.CSS_SELECTOR, "article table")
        frame = browser.execute_script("const w = arguments[0].parentElement; "
                                       "return [w.scrollWidth, w.clientWidth, w.getBoundingClientRect().right, "
                                       "window.innerWidth]", table)
        assert frame[0] <= frame[1], f"the catalog scrolls sideways: {frame[0]} px in {frame[1]} px"
        headers = table.find_elements(By.CSS_SELECTOR, "thead th")
        assert [h.text for h in headers][-3:] == ["Weight tags", "Reference accuracy (source)", "License"]
        for header in headers:
            right = header.rect["x"] + header.rect["width"]
            assert right <= min(frame[2], frame[3]) + 1, f"{header.text!r} ends at {right} px, out of view"
        heights = {row.find_element(By.CSS_SELECTOR, "td").text: row.rect["height"]
                   for row in table.find_elements(By.CSS_SELECTOR, "tbody tr")}
        assert heights["mobilenetv2"] < 200, f"mobilenetv2's row is {heights['mobilenetv2']} px tall"
        assert "more" in table.find_element(By.XPATH, "//tbody/tr[td[1]//a[text()='mobilenetv2']]").text


def test_the_api_reference_renders_the_docstrings_rst(site, browser, tmp_path):
    """No ``Example::`` and no ``:func:`` roles as typed: examples are code blocks, roles are links or code."""
    from selenium.webdriver.common.by import By

    page = visit(browser, f"{site}/reference/api.html", tmp_path / "api.png")
    text = page.find_element(By.TAG_NAME, "article").text
    assert "::" not in text.replace("zoo::", ""), re.findall(r".{0,40}::.{0,40}", text)[:5]
    assert not re.search(r":(py:)?(func|meth|class|mod|attr|data|exc|obj|const):", text), \
        re.findall(r".{0,40}:(?:func|meth|class|mod|attr|exc):.{0,40}", text)[:5]
    links = {a.get_attribute("href").rpartition("#")[2] for a in page.find_elements(By.CSS_SELECTOR, "a.autorefs")}
    assert {"zoo.training.driver.TrainResult", "zoo.Architecture"} <= links  # where each is defined
    prompts = page.find_elements(By.CSS_SELECTOR, "article .highlight .gp")  # ">>> ", highlighted as a session
    assert len(prompts) >= 10 and all(p.text.strip() in (">>>", "...") for p in prompts)
    assert console_errors(browser) == []


def test_the_home_page_has_install_a_quick_start_and_unclipped_code(site, browser, tmp_path):
    from selenium.webdriver.common.by import By

    with window_width(browser, 1280):
        page = visit(browser, f"{site}/index.html", tmp_path / "home-1280.png")
        text = page.find_element(By.TAG_NAME, "article").text
        assert "pip install -e ." in text and "./dev zoo" in text and "import zoo" in text
        blocks = page.find_elements(By.CSS_SELECTOR, "article pre > code")
        assert len(blocks) >= 3
        for block in blocks:
            scroll, width = browser.execute_script("return [arguments[0].scrollWidth, arguments[0].clientWidth]", block)
            assert scroll <= width, f"a code block is clipped ({scroll} px in {width} px): {block.text[:60]!r}"


def test_the_benchmark_plots_are_shown_near_their_own_size(site, browser, tmp_path):
    """Their labels stay readable: no plot is shrunk to less than 85% of its pixels."""
    from selenium.webdriver.common.by import By

    page = visit(browser, f"{site}/benchmark-plots.html", tmp_path / "plots.png")
    images = page.find_elements(By.CSS_SELECTOR, "article img")
    assert images
    for image in images:
        shown, natural = browser.execute_script("return [arguments[0].clientWidth, arguments[0].naturalWidth]", image)
        assert natural and shown >= 0.85 * natural, f"{image.get_attribute('src')}: {shown} of {natural} px"


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
