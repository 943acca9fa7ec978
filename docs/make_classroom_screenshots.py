"""Take the screenshots of docs/classroom.md: the three demonstrations, clicked through in the app.

    .venv/bin/python docs/make_classroom_screenshots.py     (or: make classroom-screenshots)

Starts `braingain viz` on a free loopback port, drives Debian's chromium with Playwright (every
request outside loopback aborted, as in tests/test_app.py), performs each demonstration as the
guide describes it, and writes docs/img/classroom_*.png. It then replays the same clicks on the
model in this process (same seed, same years: the same numbers as on screen) and prints the
values the guide quotes, so the text can be checked against the pictures after a model change.
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

ROOT = Path(__file__).resolve().parents[1]
IMG = ROOT / "docs" / "img"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CONVENTION = "All countries: UNESCO Global Convention"
RATIFY_YEAR, RECOGNITION_END = 2008, 2020
ICT_YEAR, ICT_LEVEL, ICT_END = 2005, 0.8, 2020
DROUGHT_YEAR, DROUGHT_END = 2005, 2012


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_app(port: int) -> subprocess.Popen:
    env = dict(os.environ, SOLARA_ASSETS_CDN="http://127.0.0.1:9/no-cdn/")
    server = subprocess.Popen(
        [sys.executable, "-m", "braingain.cli", "viz", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    for _ in range(240):
        try:
            with urllib.request.urlopen(url, timeout=5):
                return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("the app did not start")


class App:
    """One browser session of the app."""

    def __init__(self, browser, url: str):
        self.context = browser.new_context(viewport={"width": 1500, "height": 980})
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.set_default_timeout(90_000)
        self.page.goto(url)
        self.page.locator(".bg-year").wait_for()

    @staticmethod
    def _route(route) -> None:
        host = urlparse(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            route.abort()

    def year(self) -> int:
        return int(self.page.locator(".bg-year").inner_text())

    def step_to(self, year: int) -> None:
        while self.year() < year:
            target = self.year() + 1
            self.page.get_by_role("button", name="Step").click()
            self.page.locator(".bg-year", has_text=str(target)).wait_for()

    def choose(self, css: str, option: str) -> None:
        self.page.locator(f"{css} .v-select__slot").click()
        self.page.locator(".menuable__content__active .v-list-item", has_text=option).first.click()

    def slider_to(self, css: str, steps_from_start: int) -> None:
        thumb = self.page.locator(f"{css} [role=slider]")
        thumb.focus()
        self.page.keyboard.press("Home")
        for _ in range(steps_from_start):
            self.page.keyboard.press("ArrowRight")

    def shot(self, name: str) -> None:
        time.sleep(1.5)  # let the last images arrive
        self.page.screenshot(path=str(IMG / name))
        print(f"wrote {IMG / name}")


def browser_demos(url: str) -> None:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)
        app = App(browser, url)  # 1: recognition
        app.choose(".bg-country", "Kenya")
        app.step_to(RATIFY_YEAR)
        app.choose(".bg-convention", CONVENTION)
        app.step_to(RECOGNITION_END)
        app.shot("classroom_recognition.png")
        app.context.close()

        app = App(browser, url)  # 2: ICT
        app.choose(".bg-country", "Ghana")
        app.step_to(ICT_YEAR)
        app.slider_to(".bg-lever-ict", round(ICT_LEVEL * 100))
        app.step_to(ICT_YEAR + 1)  # a lever acts from the next year: the readout shows it then
        app.page.locator(".bg-lever-now", has_text=f"ICT {ICT_LEVEL:.0%}").wait_for()
        app.step_to(ICT_END)
        app.shot("classroom_ict.png")
        app.context.close()

        app = App(browser, url)  # 3: drought
        app.choose(".bg-country", "Bangladesh")
        app.step_to(DROUGHT_YEAR)
        app.page.locator(".bg-shock").click()
        app.page.locator("li", has_text="drought in Bangladesh").wait_for()
        app.step_to(DROUGHT_END)
        app.page.get_by_role("button", name="Emigration rate").click()
        app.shot("classroom_drought.png")
        app.context.close()
        browser.close()


def replay() -> None:
    """The same clicks on the model here: the numbers on the screenshots."""
    from braingain.classroom import ClassroomModel, chart_data

    def run(action_year: int, action, end: int) -> ClassroomModel:
        model = ClassroomModel("teaching", rng=2000)
        while model.year < end:
            if model.year == action_year and action:
                action(model)
            model.step()
        return model

    def at(model, code: str, key: str, year: int) -> float:
        data = chart_data(model, code)
        return float(data.series[key][0][np.flatnonzero(data.years == year)[0]])

    def report(title, code, keys, action_year, action, end):
        with_policy = run(action_year, action, end)
        without = run(action_year, None, end)
        for key in keys:
            before = at(with_policy, code, key, action_year)
            print(
                f"{title} {code} {key}: {action_year} {before:.2f}; {end} "
                f"{at(with_policy, code, key, end):.2f} (without the change "
                f"{at(without, code, key, end):.2f})"
            )

    report(
        "recognition",
        "KEN",
        ("brain_waste_rate", "net_brain_gain"),
        RATIFY_YEAR,
        lambda m: m.ratify(CONVENTION),
        RECOGNITION_END,
    )
    report(
        "ict",
        "GHA",
        ("knowledge_transfer", "net_brain_gain"),
        ICT_YEAR,
        lambda m: m.set_lever("ict", ICT_LEVEL),
        ICT_END,
    )
    report(
        "drought",
        "BGD",
        ("skilled_emigration_rate", "human_capital"),
        DROUGHT_YEAR,
        lambda m: m.fire_shock("BGD", "drought", 0.1),
        DROUGHT_END,
    )


def main() -> None:
    IMG.mkdir(parents=True, exist_ok=True)
    server = start_app(free_port())
    port = server.args[server.args.index("--port") + 1]
    try:
        browser_demos(f"http://127.0.0.1:{port}/")
    finally:
        server.terminate()
        server.wait(timeout=30)
    replay()


if __name__ == "__main__":
    main()
