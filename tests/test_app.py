"""The classroom app: its model wrapper (fast, no browser) and the app in Debian's chromium.

The browser tests start `braingain viz` on a free loopback port and drive headless chromium with
Playwright, with every request outside loopback aborted, and the server's own CDN fallback
pointed at a dead address: the page must load, draw and run from the installed packages alone.
Screenshots land in each test's temporary folder.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pytest

from braingain.classroom import (
    HUMAN_CAPITAL,
    LEVER_BY_KEY,
    ClassroomModel,
    ClassroomSettings,
    chart_data,
    colour_limit,
    convention_options,
    fit_events,
    map_data,
    presets,
)
from simulation import PolicyEvent, load_world

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# --- the model wrapper ---------------------------------------------------------------------------
def test_twin_gives_net_brain_gain_and_levers_reach_both():
    model = ClassroomModel("teaching", agents_per_country=30, rng=5)
    for _ in range(3):
        model.step()
    assert model.year == model.twin.year == 2003
    gain = model.net_brain_gain()
    main, twin = model.records[-1], model.twin.records[-1]
    skilled = twin["skilled_natives"] + main["skilled_residents"] - main["skilled_natives"]
    adults = twin["adult_natives"] + main["adult_residents"] - main["adult_natives"]
    # the counterfactual: the twin's natives at home plus this run's immigrants
    np.testing.assert_allclose(gain, main[HUMAN_CAPITAL] - skilled / adults)
    assert np.any(gain != 0)  # migration makes a difference somewhere
    model.set_lever("engagement", 0.9, "GHA")
    ghana = model.world.codes.index("GHA")
    assert model.state.engagement[ghana] == pytest.approx(0.9)
    assert model.twin.state.engagement[ghana] == pytest.approx(0.9)
    others = np.delete(model.state.engagement, ghana)
    assert np.all(others != 0.9)
    assert model.log[-1][0] == 2004 and "Ghana" in model.log[-1][1]


def test_a_dragged_slider_logs_its_last_value_once_per_year():
    model = ClassroomModel("teaching", agents_per_country=30)
    for value in (0.1, 0.2, 0.3):
        model.set_lever("ict", value)
    model.set_lever("engagement", 0.5)
    model.step()
    model.set_lever("ict", 0.4)
    notes = [note for _, note in model.log]
    assert notes == [
        "ICT: internet use at least = 30% in all countries",
        "Diaspora engagement = 0.50 in all countries",
        "ICT: internet use at least = 40% in all countries",
    ]


def test_colour_limit_ignores_one_outlier():
    assert colour_limit(np.array([0.02, -0.1, 0.15, -0.05, 15.0])) == 0.2
    assert colour_limit(np.array([0.0, 0.0])) == 0.1
    assert colour_limit(np.array([300.0])) == 100.0


def test_reset_replays_levers_from_the_first_year():
    settings = ClassroomSettings()
    model = ClassroomModel("teaching", settings, agents_per_country=30)
    model.step()
    model.set_lever("ict", 0.7)
    option = next(iter(convention_options(model.world)))
    model.ratify(option)
    again = ClassroomModel("teaching", settings, agents_per_country=30)
    assert again.year == 2000
    assert np.all(again.state.ict < 0.7)  # replayed as events of the first year
    again.step()
    assert np.all(again.state.ict >= 0.7 - 1e-9)
    assert [year for year, _ in again.log] == [2001, 2001]


def test_same_seed_same_run_and_shock_hits_the_chosen_country():
    a = ClassroomModel("teaching", agents_per_country=30, rng=3)
    b = ClassroomModel("teaching", agents_per_country=30, rng=3)
    for model in (a, b):
        model.step()
        model.fire_shock("BGD", "flood", 0.3)
        model.step()
    pd_a, pd_b = a.frame(), b.frame()
    assert pd_a.equals(pd_b)
    bgd = a.world.codes.index("BGD")
    shock = a.records[-1]["shock_intensity"]
    assert shock[bgd] > 0.5 and shock[bgd] == shock.max()
    assert a.twin.state.shock[bgd] == pytest.approx(a.state.shock[bgd])


def test_presets_fit_the_teaching_world():
    available = presets()
    assert "baseline" in available and "climate_stress" in available
    assert "hindcast_2000_2010" not in available  # posterior draws: not one classroom run
    teaching = load_world("teaching")
    kept, skipped = fit_events(available["climate_stress"].events, teaching)
    assert [e.kind for e in kept] == ["climate_trend"]
    assert [e.label for e in skipped] == ["Sahel drought 2012"]  # no Sahel country in it
    partial = PolicyEvent("diaspora_engagement", 2005, ("GHA", "BFA"), value=0.5)
    (fitted,), _ = fit_events([partial], teaching)
    assert fitted.countries == ("GHA",)
    model = ClassroomModel("teaching", ClassroomSettings(preset="global_convention"))
    assert model.preset.name == "global_convention"
    assert any("Global Convention" in text for _, text in model.log)


def test_views_read_the_model():
    model = ClassroomModel("teaching", agents_per_country=30)
    model.step()
    drawn = map_data(model, "skilled_emigration_rate")
    assert drawn.year == 2001 and drawn.corridors.shape == (16, 16)
    charts = chart_data(model, "JAM")
    assert charts.country == "Jamaica"
    assert list(charts.years) == [2000, 2001]
    jamaica, region = charts.series["skilled_emigration_rate"]
    assert jamaica[-1] > region[-1]  # Jamaica emigrates more than its region (the data say so)
    lever = LEVER_BY_KEY["climate_trend"]
    snapped = lever.snap(0.0312)  # the slider's grid starts at the event's lowest value
    steps = (snapped - lever.low) / lever.step
    assert steps == pytest.approx(round(steps), abs=1e-6)
    assert abs(snapped - 0.0312) <= lever.step / 2
    assert lever.snap(99.0) == lever.top


def test_each_session_builds_its_own_model():
    import ipyvuetify as v
    import solara

    from braingain.app import Page

    models = []
    for _ in range(2):
        _, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
        year = rc.find(v.Html, children=["2000"])
        year.assert_single()
        rc.find(v.Btn, children=["Step"]).widget.click()
        rc.find(v.Html, children=["2001"]).assert_single()
        models.append(rc)
    # the first session stepped once and still shows 2001 after the second stepped too
    models[0].find(v.Html, children=["2001"]).assert_single()


def test_viz_on_a_busy_port_says_so_in_one_line():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "braingain.cli", "viz", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert f"{port} is already in use" in done.stderr


# --- the app in the browser ----------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _chromium() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it (apt-get chromium)")
    return path


@pytest.fixture(scope="module")
def app_server(tmp_path_factory):
    """`braingain viz` on a free loopback port: (its URL, the file of its console output)."""
    port = _free_port()
    log = tmp_path_factory.mktemp("server") / "server.log"
    env = dict(os.environ, SOLARA_ASSETS_CDN="http://127.0.0.1:9/no-cdn/")  # no fallback
    with open(log, "w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "braingain.cli", "viz", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    try:
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the app did not start: {log.read_text()[-2000:]}")
            time.sleep(0.5)
        yield url, log
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.fixture(scope="module")
def app_url(app_server):
    return app_server[0]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Session:
    """One browser context (one app session) whose requests outside loopback are aborted."""

    def __init__(self, browser, url: str, shots: Path):
        self.context = browser.new_context(viewport={"width": 1500, "height": 1000})
        self.requests: list[str] = []
        self.blocked: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.set_default_timeout(60_000)
        self.shots = shots
        self.page.goto(url)
        self.page.locator(".bg-year").wait_for(timeout=120_000)
        self.wait_image(".bg-map")
        self.wait_image(".bg-charts")

    def _route(self, route) -> None:
        url = route.request.url
        self.requests.append(url)
        host = urlparse(url).hostname
        if url.startswith(("data:", "blob:")) or host in LOOPBACK:
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def wait_image(self, css: str) -> None:
        self.page.wait_for_function(
            "css => { const i = document.querySelector(css + ' img') || "
            "document.querySelector('img' + css); return i && i.complete && i.naturalWidth > 0; }",
            arg=css,
        )

    def year(self) -> str:
        return self.page.locator(".bg-year").inner_text().strip()

    def step(self, expect: int) -> float:
        start = time.perf_counter()
        self.page.get_by_role("button", name="Step").click()
        self.page.locator(".bg-year", has_text=str(expect)).wait_for()
        return time.perf_counter() - start

    def choose(self, css: str, option: str) -> None:
        self.page.locator(f"{css} .v-select__slot").click()
        self.page.locator(".menuable__content__active .v-list-item", has_text=option).first.click()

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(self.shots / f"{name}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def session(browser, app_url, tmp_path):
    opened = Session(browser, app_url, tmp_path)
    yield opened
    opened.close()


def test_app_loads_offline_draws_and_steps(session, tmp_path):
    page = session.page
    assert session.year() == "2000"
    assert page.locator(".bg-map img, img.bg-map").count() == 1
    assert page.locator(".bg-charts img, img.bg-charts").count() == 1
    session.shot("loaded")
    seconds = session.step(2001)
    session.wait_image(".bg-map")
    session.shot("stepped")
    print(f"\nStep click to year 2001 shown: {seconds:.2f} s")
    assert session.blocked == []  # nothing even tried to leave the machine
    fonts = [u for u in session.requests if u.split("?")[0].endswith((".woff2", ".woff", ".ttf"))]
    assert fonts, "the page should load its fonts and icons (from the local server)"
    assert all(urlparse(u).hostname in LOOPBACK for u in fonts)
    assert (tmp_path / "stepped.png").stat().st_size > 10_000


def test_slider_moves_the_model_and_shock_is_logged(session):
    page = session.page
    readout = page.locator(".bg-lever-now")
    before = readout.inner_text()
    assert "ICT 100%" not in before
    page.locator(".bg-lever-ict [role=slider]").focus()
    page.keyboard.press("End")
    page.get_by_text("ICT: internet use at least = 100% in all countries").wait_for()
    assert "ICT 100%" not in readout.inner_text()  # a lever acts from the next year
    page.locator(".bg-shock").click()
    page.locator("li", has_text="drought in Bangladesh").wait_for()  # the log entry, not the button
    session.step(2001)
    page.locator(".bg-lever-now", has_text="ICT 100%").wait_for()
    session.shot("levers")
    assert session.blocked == []


def test_preset_loads(session):
    session.step(2001)
    session.choose(".bg-preset-select", "global_convention")
    session.page.locator(".bg-preset", has_text="Preset: global_convention").wait_for()
    assert session.year() == "2000"  # a preset restarts the run
    session.page.get_by_text("Global Convention ratified widely (preset)").wait_for()
    session.shot("preset")
    assert session.blocked == []


def test_two_browser_sessions_step_independent_models(browser, app_url, tmp_path):
    first = Session(browser, app_url, tmp_path)
    second = Session(browser, app_url, tmp_path)
    try:
        first.step(2001)
        first.step(2002)
        assert second.year() == "2000"
        second.step(2001)
        time.sleep(1)  # give a shared model time to show up in the other page
        assert first.year() == "2002"
        assert second.year() == "2001"
        first.shot("first")
        second.shot("second")
    finally:
        first.close()
        second.close()


def test_export_downloads_png_and_csv(session, tmp_path):
    session.step(2001)
    with session.page.expect_download() as png:
        session.page.get_by_role("button", name="Figure (PNG)").click()
    with session.page.expect_download() as csv:
        session.page.get_by_role("button", name="Data (CSV)").click()
    png_path, csv_path = tmp_path / "figure.png", tmp_path / "data.csv"
    png.value.save_as(png_path)
    csv.value.save_as(csv_path)
    assert png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    header, *rows = csv_path.read_text().splitlines()
    assert "net_brain_gain" in header.split(",")
    assert len(rows) == 2 * 16  # years 2000 and 2001, 16 countries


def test_the_teachers_console_shows_the_url_and_no_solara_cookie_warning(session, app_server):
    """Solara warned on the first page load from 127.0.0.1 that cross-site cookies need https
    (12 lines a teacher reads as an error; README trial 2); the app needs no cross-site cookie."""
    url, log = app_server
    session.page.reload()  # a page load after the server's first one
    console = log.read_text()
    assert url.rstrip("/") in console
    assert "samesite" not in console.lower() and "Traceback" not in console
