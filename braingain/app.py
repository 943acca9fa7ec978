"""The classroom app: a Mesa SolaraViz page, one model per browser session.

Start it with `braingain viz` (or `solara run braingain.app`). The world comes from the
environment variable BRAINGAIN_WORLD ("teaching" by default, or "default"), which `braingain viz
--world` sets. Every browser session (tab) builds its own ClassroomModel in `Page`: a class of
30 never steps one shared model.
"""

from __future__ import annotations

import os

import solara
from mesa.visualization import SolaraViz

from braingain.app_components import MainView, SidebarSlot
from braingain.classroom import DEFAULT_AGENTS, ClassroomModel, ClassroomSettings

WORLD_VARIABLE = "BRAINGAIN_WORLD"
WORLDS = ("teaching", "default")
PLAY_INTERVAL_MS = 400  # the default pause between years when playing (the speed slider)


def world_name() -> str:
    name = os.environ.get(WORLD_VARIABLE, "teaching")
    return name if name in WORLDS else "teaching"


def model_params(world: str, settings: ClassroomSettings) -> dict:
    """SolaraViz's "Model Parameters" card: applied by Reset (Mesa's convention). The session's
    settings object rides along, so Reset also replays the preset and the levers."""
    return {
        "world": world,
        "settings": settings,
        "rng": {
            "type": "SliderInt",
            "label": "Seed (on Reset)",
            "value": 2000,
            "min": 0,
            "max": 9999,
            "step": 1,
        },
        "agents_per_country": {
            "type": "SliderInt",
            "label": "Agents per country (on Reset)",
            "value": DEFAULT_AGENTS[world],
            "min": 20,
            "max": 500,
            "step": 10,
        },
    }


@solara.component
def Page():
    world = world_name()
    settings = solara.use_memo(ClassroomSettings, [])
    first = solara.use_memo(
        lambda: ClassroomModel(world, settings, rng=2000, agents_per_country=DEFAULT_AGENTS[world]),
        [],
    )
    model = solara.use_reactive(first)
    SolaraViz(
        model,
        components=[],
        model_params=model_params(world, settings),
        play_interval=PLAY_INTERVAL_MS,
        name=f"braingain classroom: {world} world",
    )
    SidebarSlot(model, settings)
    MainView(model)
