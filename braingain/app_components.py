"""Solara components of the classroom app: year banner, map, charts, levers, shock, export.

Every component takes the session's reactive model (one per browser session, created in
`braingain.app.Page`) and reads Mesa's `update_counter`, which SolaraViz bumps after each step,
so it redraws when the model moves. CSS classes named `bg-*` are what the browser tests and the
classroom guide point at.
"""

from __future__ import annotations

import solara
from mesa.visualization.utils import force_update, update_counter

from braingain.app_figures import ChartsView as ChartsDrawing
from braingain.app_figures import MapView as MapDrawing
from braingain.app_figures import combined_png
from braingain.classroom import (
    COLOUR_BUTTONS,
    COLOUR_BY,
    HAZARDS,
    LEVER_BY_KEY,
    LEVERS,
    ClassroomModel,
    ClassroomSettings,
    chart_data,
    convention_options,
    map_data,
    presets,
)

# Per-session view choices (solara.reactive values are kept per browser session)
colour_by = solara.reactive(next(iter(COLOUR_BY)))
country = solara.reactive("")
hazard = solara.reactive("drought")
severity = solara.reactive(0.1)


def _country(model: ClassroomModel) -> str:
    """The chosen country, or the first of the world's origins with the most emigrants."""
    if country.value in model.world.codes:
        return country.value
    preferred = [c for c in ("BGD", "GHA", "IND") if c in model.world.codes]
    return preferred[0] if preferred else model.world.codes[0]


@solara.component
def YearBanner(model: solara.Reactive[ClassroomModel]):
    update_counter.get()
    m = model.value
    preset = m.preset.name if m.preset is not None else "no preset"
    state = "running" if m.running else "finished: Reset to start again"
    with solara.Row(style={"align-items": "baseline", "gap": "24px"}):
        solara.Text(
            str(m.year),
            classes=["bg-year"],
            style={
                "font-size": "64px",
                "font-weight": "700",
                "line-height": "1",
                "color": "#1a5276",
            },
        )
        with solara.Column(gap="0px"):
            solara.Text(f"Preset: {preset}", style={"font-size": "18px"}, classes=["bg-preset"])
            description = m.preset.description if m.preset is not None else ""
            solara.Text(
                f"{description} Years {m.world.start_year}-{m.end_year}, {state}.",
                style={"font-size": "14px", "color": "#566573"},
            )
            solara.Text(
                f"{m.world.n} countries, {m.params.agents_per_country} agents each, seed {m.seed}",
                style={"font-size": "12px", "color": "#7f8c8d"},
            )


@solara.component
def MapView(model: solara.Reactive[ClassroomModel]):
    update_counter.get()
    m = model.value
    selected = _country(m)
    drawing = solara.use_memo(MapDrawing, [])

    def draw() -> bytes:
        return drawing.render(map_data(m, colour_by.value), selected)

    png = solara.use_memo(draw, [id(m), m.year, colour_by.value, selected])
    with solara.Card("Countries and diaspora corridors", margin=0, classes=["bg-map-card"]):
        labels = {label: key for key, label in COLOUR_BUTTONS.items()}
        solara.ToggleButtonsSingle(
            value=COLOUR_BUTTONS[colour_by.value],
            values=list(labels),
            on_value=lambda label: colour_by.set(labels[label]),
            classes=["bg-colour-by"],
        )
        solara.Image(png, width="100%", classes=["bg-map"])


@solara.component
def ChartsView(model: solara.Reactive[ClassroomModel]):
    update_counter.get()
    m = model.value
    selected = _country(m)
    names = dict(zip(m.world.codes, m.world.countries["name"], strict=True))
    by_name = {name: code for code, name in names.items()}
    drawing = solara.use_memo(ChartsDrawing, [])

    def draw() -> bytes:
        return drawing.render(chart_data(m, selected))

    png = solara.use_memo(draw, [id(m), m.year, selected, len(m.log)])
    with solara.Card("A country beside its region", margin=0, classes=["bg-charts-card"]):
        solara.Select(
            "Country",
            values=sorted(by_name),
            value=names[selected],
            on_value=lambda name: country.set(by_name[name]),
            classes=["bg-country"],
        )
        solara.Image(png, width="100%", classes=["bg-charts"])


@solara.component
def PresetPicker(model: solara.Reactive[ClassroomModel], settings: ClassroomSettings):
    available = presets()
    if not available:
        solara.Warning("No scenario files found: presets are unavailable.")
        return

    def load(name: str) -> None:
        settings.preset = name
        settings.clear_levers()
        current = model.value
        model.value = ClassroomModel(
            current.world_name,
            settings,
            rng=current.seed,
            agents_per_country=current.params.agents_per_country,
        )
        force_update()

    solara.Select(
        "Scenario preset (restarts the run)",
        values=list(available),
        value=settings.preset,
        on_value=load,
        classes=["bg-preset-select"],
    )
    skipped = model.value.skipped_events
    if skipped:
        labels = ", ".join(e.label or e.kind for e in skipped)
        solara.Text(
            f"Left out (places not in this world): {labels}",
            style={"font-size": "12px", "color": "#7f8c8d"},
        )


@solara.component
def LeverPanel(model: solara.Reactive[ClassroomModel], settings: ClassroomSettings):
    """Sliders act from the next simulated year; Reset replays them from the first year.

    Not redrawn every year (only on Reset or a preset): the read-out below follows the years."""
    m = model.value
    where, set_where = solara.use_state(settings.where)
    options = m.where_options()
    labels = {label: code for code, label in options.items()}
    now = m.lever_now()

    def choose_where(label: str) -> None:
        settings.where = labels[label]
        set_where(labels[label])

    solara.Select(
        "Levers act in",
        values=list(labels),
        value=options.get(where, options["all"]),
        on_value=choose_where,
        classes=["bg-where"],
    )
    conventions = convention_options(m.world)

    def ratify(option: str) -> None:
        model.value.ratify(option)
        force_update()

    solara.Select(
        "Recognition: ratify a convention",
        values=list(conventions),
        value=None,
        on_value=ratify,
        classes=["bg-convention"],
    )
    for lever in LEVERS:
        shown = lever.snap(settings.levers.get(lever.key, now[lever.key]))

        def move(value: float, key: str = lever.key, shown: float = shown) -> None:
            # the slider also reports values it snapped to its grid: only a real move counts
            if abs(value - shown) < LEVER_BY_KEY[key].step / 2:
                return
            model.value.set_lever(key, value, settings.where)
            force_update()

        with solara.Div(classes=[f"bg-lever-{lever.key}"]):
            solara.SliderFloat(
                lever.label,
                value=shown,
                min=lever.low,
                max=lever.top,
                step=lever.step,
                on_value=move,
                thumb_label=False,
            )
    LeverReadout(model)


@solara.component
def LeverReadout(model: solara.Reactive[ClassroomModel]):
    """What the levers' quantities are in the model now (mean over countries)."""
    update_counter.get()
    now = model.value.lever_now()
    solara.Text(
        "Now (mean over countries): "
        + "; ".join(f"{lev.short} {lev.show(now[lev.key])}" for lev in LEVERS),
        classes=["bg-lever-now"],
        style={"font-size": "12px", "color": "#566573"},
    )


@solara.component
def ShockPanel(model: solara.Reactive[ClassroomModel]):
    m = model.value
    target = _country(m)
    name = m.place_name(target)

    def fire() -> None:
        model.value.fire_shock(target, hazard.value, severity.value)
        force_update()

    solara.Select("Hazard", values=list(HAZARDS), value=hazard, classes=["bg-hazard"])
    solara.SliderFloat(
        "Severity (share displaced)", value=severity, min=0.01, max=0.5, step=0.01, thumb_label=True
    )
    solara.Button(
        f"Fire a {hazard.value} in {name}", on_click=fire, color="warning", classes=["bg-shock"]
    )


@solara.component
def ExportPanel(model: solara.Reactive[ClassroomModel]):
    """Downloads are drawn when clicked, from the model as it is then."""
    stem = f"braingain_{model.value.settings.preset}"

    def figure() -> bytes:
        m = model.value
        selected = _country(m)
        return combined_png(map_data(m, colour_by.value), chart_data(m, selected), selected)

    def data() -> str:
        return model.value.frame().to_csv(index=False, float_format="%.6g")

    with solara.Row():
        solara.FileDownload(
            figure, filename=f"{stem}.png", label="Figure (PNG)", mime_type="image/png"
        )
        solara.FileDownload(data, filename=f"{stem}.csv", label="Data (CSV)", mime_type="text/csv")


@solara.component
def PolicyLog(model: solara.Reactive[ClassroomModel]):
    update_counter.get()
    log = model.value.log
    if not log:
        solara.Text("No policy change yet.", style={"color": "#7f8c8d"})
        return
    lines = "\n".join(f"- **{year}**: {text}" for year, text in log[-8:])
    solara.Markdown(lines)


@solara.component
def ClassroomSidebar(model: solara.Reactive[ClassroomModel], settings: ClassroomSettings):
    """Nested one level below SolaraViz so that its cards come after Mesa's controls."""
    with solara.Sidebar():
        with solara.Card("Scenario and policy levers", classes=["bg-levers"]):
            PresetPicker(model, settings)
            LeverPanel(model, settings)
        with solara.Card("Environmental shock"):
            ShockPanel(model)
        with solara.Card("Export"):
            ExportPanel(model)


@solara.component
def SidebarSlot(model: solara.Reactive[ClassroomModel], settings: ClassroomSettings):
    ClassroomSidebar(model, settings)


@solara.component
def MainView(model: solara.Reactive[ClassroomModel]):
    with solara.Column(style={"padding": "8px 16px"}):
        YearBanner(model)
        with solara.Columns([11, 9]):
            MapView(model)
            ChartsView(model)
        with solara.Card("Policy log (year it acts from)", margin=0):
            PolicyLog(model)
