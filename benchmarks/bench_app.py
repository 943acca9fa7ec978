"""How long a Step of the classroom app takes on the server: the model and its twin step, then
every component that follows the year redraws (map and charts as PNG included).

    .venv/bin/python benchmarks/bench_app.py [--steps N]

The page is rendered in this process with `solara.render` (the widgets Solara would send to the
browser) and its Step button clicked N times, for the teaching and the default world. Reported:
median and 90th percentile of wall time and of this process's CPU time per click (CPU time is
the fairer number on a shared machine), and the share of it spent drawing the two figures. The
browser round trip adds the transfer of two PNG images of about 60-120 kB each; the browser test
prints it (`pytest tests/test_app.py -s -k offline`).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np


def measure(world: str, steps: int) -> dict[str, float]:
    os.environ["BRAINGAIN_WORLD"] = world
    import ipyvuetify as v
    import solara

    from braingain import app_figures
    from braingain.app import Page

    drawing = [0.0]

    def timed(method):
        def wrapper(*args, **kwargs):
            start = time.process_time()
            try:
                return method(*args, **kwargs)
            finally:
                drawing[0] += time.process_time() - start

        return wrapper

    originals = (app_figures.MapView.render, app_figures.ChartsView.render)
    app_figures.MapView.render = timed(originals[0])
    app_figures.ChartsView.render = timed(originals[1])
    try:
        _, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
        step = rc.find(v.Btn, children=["Step"]).widget
        step.click()  # warm-up: first figures, font caches
        walls, cpus, draws = [], [], []
        for _ in range(steps):
            drawing[0] = 0.0
            wall, cpu = time.perf_counter(), time.process_time()
            step.click()
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
            draws.append(drawing[0])
    finally:
        app_figures.MapView.render, app_figures.ChartsView.render = originals
    return {
        "wall_median": float(np.median(walls)),
        "wall_p90": float(np.quantile(walls, 0.9)),
        "cpu_median": float(np.median(cpus)),
        "cpu_p90": float(np.quantile(cpus, 0.9)),
        "drawing_share": float(np.sum(draws) / np.sum(cpus)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=15, help="clicks per world (default 15)")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} (2 CPUs)")
    print("world      wall median / p90     CPU median / p90     drawing share of CPU")
    for world in ("teaching", "default"):
        r = measure(world, args.steps)
        print(
            f"{world:<10} {r['wall_median']:.3f} s / {r['wall_p90']:.3f} s    "
            f"{r['cpu_median']:.3f} s / {r['cpu_p90']:.3f} s    {100 * r['drawing_share']:.0f}%"
        )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
