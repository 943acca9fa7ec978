"""Matplotlib drawings of the classroom app: the map-like network and the country charts.

Each drawing builds its figure once and then, year after year, only updates the artists that
move (points, corridors, labels, lines). On screen they are blitted: the still parts (axes,
ticks, colour bar, legend) are drawn once into a background that each new year is copied onto,
and only the moving artists are drawn over it; the background is redrawn when an axis range,
the colour scale or the chosen country changes. Figures are plain `matplotlib.figure.Figure`
objects (no pyplot state), so browser sessions can draw at once from different threads. The
export button draws both canvases side by side on one figure, in full.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize, TwoSlopeNorm
from matplotlib.figure import Figure, SubFigure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator
from PIL import Image

from braingain.classroom import CHARTS, COLOUR_BY, NET_BRAIN_GAIN, ChartData, MapData

MAX_CORRIDORS = 150  # the largest corridors drawn (the default world has about 1,700)
MAX_LABELS = 20  # the most populous countries get their ISO3 code written beside them
SIZE_REFERENCE = (1e6, 1e7, 1e8)  # adults, for the size legend
COUNTRY_COLOUR = "#c0392b"
REGION_COLOUR = "#34495e"
CORRIDOR_RGBA = (0.2, 0.29, 0.37, 0.22)
SELECTED_CORRIDOR_RGBA = (0.75, 0.22, 0.17, 0.55)


def marker_area(adults: np.ndarray) -> np.ndarray:
    """Marker area in points^2, proportional to the square root of adult population."""
    return 6 + 0.012 * np.sqrt(np.maximum(adults, 0))


def png_bytes(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", pil_kwargs={"compress_level": 1})  # speed over size
    return buffer.getvalue()


class MapCanvas:
    """Countries at their longitude/latitude, sized by adult population and coloured by the
    chosen metric; lines are diaspora corridors, wider for more skilled emigrants."""

    def __init__(self, fig: Figure | SubFigure, first: MapData):
        self.fig = fig
        self.colour_by = first.colour_by
        ax = self.ax = fig.add_axes((0.04, 0.2, 0.92, 0.72))
        west, east = max(-180, first.lon.min() - 15), min(180, first.lon.max() + 15)
        south, north = max(-60, first.lat.min() - 12), min(80, first.lat.max() + 12)
        ax.set_xticks(range(-180, 181, 30))
        ax.set_yticks(range(-60, 81, 30))
        ax.set_xlim(west, east)
        ax.set_ylim(south, north)
        ax.set_aspect("equal")
        ax.tick_params(labelsize=7, colors="#7f8c8d")
        ax.grid(color="#ecf0f1", lw=0.8)
        ax.set_facecolor("#fbfcfc")
        for side in ax.spines.values():
            side.set_color("#d5dbdb")
        self.corridors = LineCollection([], zorder=1)
        ax.add_collection(self.corridors)
        if first.colour_by == NET_BRAIN_GAIN:
            norm, cmap = TwoSlopeNorm(vcenter=0.0, vmin=-1.0, vmax=1.0), "RdBu"
        else:
            norm, cmap = Normalize(0.0, 100.0), "YlOrRd"
        self.points = ax.scatter(
            first.lon,
            first.lat,
            s=marker_area(first.adults),
            c=first.value,
            cmap=cmap,
            norm=norm,
            edgecolors="#2c3e50",
            linewidths=0.5,
            zorder=2,
        )
        self.ring = ax.scatter(
            [], [], facecolors="none", edgecolors=COUNTRY_COLOUR, linewidths=2, zorder=4
        )
        self.title = ax.text(0.0, 1.03, "", transform=ax.transAxes, fontsize=11, va="bottom")
        self.labels: list = []
        self.scale: float | None = None
        bar = fig.colorbar(
            self.points,
            cax=fig.add_axes((0.08, 0.085, 0.4, 0.03)),
            orientation="horizontal",
            extend="both" if first.colour_by == NET_BRAIN_GAIN else "neither",
        )
        bar.ax.tick_params(labelsize=7)
        bar.set_label(COLOUR_BY[first.colour_by], fontsize=8)
        handles = [
            Line2D(
                [],
                [],
                ls="",
                marker="o",
                markersize=float(np.sqrt(marker_area(a))),
                markerfacecolor="white",
                markeredgecolor="#2c3e50",
                label=f"{a / 1e6:g} M adults",
            )
            for a in SIZE_REFERENCE
        ]
        handles.append(
            Line2D(
                [],
                [],
                color=(0.2, 0.29, 0.37, 0.5),
                lw=2.5,
                label="diaspora corridor (width: members)",
            )
        )
        fig.legend(
            handles=handles,
            loc="lower right",
            bbox_to_anchor=(0.98, 0.0),
            fontsize=7,
            frameon=False,
            ncol=2,
            handletextpad=0.4,
            columnspacing=1.0,
        )

    def moving(self) -> list[Artist]:
        return [self.corridors, self.points, self.ring, self.title, *self.labels]

    def update(self, data: MapData, selected: str | None) -> bool:
        """Show `data`; True if the still parts changed too (the colour scale)."""
        ax = self.ax
        sel = data.codes.index(selected) if selected in data.codes else -1
        origin, dest = np.nonzero(data.corridors > 0)
        sizes = data.corridors[origin, dest]
        order = np.argsort(sizes)[::-1][:MAX_CORRIDORS]
        origin, dest, sizes = origin[order], dest[order], sizes[order]
        self.corridors.set_segments(
            [
                [(data.lon[o], data.lat[o]), (data.lon[d], data.lat[d])]
                for o, d in zip(origin, dest, strict=True)
            ]
        )
        if len(sizes):
            self.corridors.set_linewidths(0.3 + 4.0 * np.sqrt(sizes / sizes.max()))
            self.corridors.set_colors(
                [SELECTED_CORRIDOR_RGBA if o == sel else CORRIDOR_RGBA for o in origin]
            )
        self.points.set_sizes(marker_area(data.adults))
        self.points.set_array(data.value)
        rescaled = data.scale != self.scale
        self.scale = data.scale
        if data.colour_by == NET_BRAIN_GAIN:
            self.points.norm.vmin, self.points.norm.vmax = -data.scale, data.scale
        else:
            self.points.norm.vmin, self.points.norm.vmax = 0.0, data.scale
        for label in self.labels:
            label.remove()
        labelled = set(np.argsort(data.adults)[::-1][:MAX_LABELS].tolist())
        if sel >= 0:
            labelled.add(sel)
        self.labels = [
            ax.annotate(
                data.codes[i],
                (data.lon[i], data.lat[i]),
                xytext=(4, 4),
                textcoords="offset points",
                fontsize=8 if i == sel else 7,
                color=COUNTRY_COLOUR if i == sel else "#2c3e50",
                zorder=3,
            )
            for i in sorted(labelled)
        ]
        if sel >= 0:
            self.ring.set_offsets([[data.lon[sel], data.lat[sel]]])
            self.ring.set_sizes(marker_area(data.adults[sel : sel + 1]) * 2.2)
        else:
            self.ring.set_offsets(np.zeros((0, 2)))
        self.title.set_text(f"{data.year}: {COLOUR_BY[data.colour_by].lower()}")
        return rescaled


class ChartsCanvas:
    """One small panel per chart: the chosen country and its region, year by year; orange
    marks show the years a policy change or shock acted from."""

    def __init__(self, fig: Figure | SubFigure):
        self.fig = fig
        self.axes = dict(zip(CHARTS, fig.subplots(3, 2, sharex=True).ravel(), strict=False))
        self.lines: dict[str, tuple[Line2D, Line2D]] = {}
        self.marks: list = []
        for key, ax in self.axes.items():
            title, unit = CHARTS[key]
            (country,) = ax.plot([], [], color=COUNTRY_COLOUR, lw=2)
            (region,) = ax.plot([], [], color=REGION_COLOUR, lw=1.5, ls="--")
            self.lines[key] = (country, region)
            if key == NET_BRAIN_GAIN:
                ax.axhline(0, color="#95a5a6", lw=0.8)
            ax.set_title(title, fontsize=8.5, loc="left")
            ax.set_ylabel(unit, fontsize=7)
            ax.tick_params(labelsize=7)
            ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
            ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        for ax in list(self.axes.values())[-2:]:
            ax.set_xlabel("year", fontsize=7)
        self.legend = None
        self.shown: tuple = ()  # (country, region, first year, last year) now on the axes

    def moving(self) -> list[Artist]:
        return [line for pair in self.lines.values() for line in pair] + self.marks

    def update(self, data: ChartData) -> bool:
        """Show `data`; True if the still parts changed too (an axis range, the country)."""
        for mark in self.marks:
            mark.remove()
        self.marks = []
        first, last = int(data.years[0]), int(data.years[-1])
        shown = (data.country, data.region, first, data.end_year)
        changed = shown != self.shown
        self.shown = shown
        for key, ax in self.axes.items():
            country, region = self.lines[key]
            country_values, region_values = data.series[key]
            country.set_data(data.years, country_values)
            region.set_data(data.years, region_values)
            changed |= _cover(ax, np.concatenate([country_values, region_values]), changed)
            for year in data.events:
                if first < year <= last + 1:
                    self.marks.append(ax.axvline(year - 0.5, color="#f39c12", lw=0.8, alpha=0.7))
        if changed:
            first_ax = next(iter(self.axes.values()))
            first_ax.set_xlim(first - 0.5, data.end_year + 0.5)  # the whole run: axes stay put
            country, region = self.lines[next(iter(self.lines))]
            country.set_label(data.country)
            region.set_label(data.region)
            if self.legend is not None:
                self.legend.remove()
            self.legend = first_ax.legend(fontsize=7, loc="upper left", frameon=False)
        return changed


def _cover(ax, values: np.ndarray, reset: bool) -> bool:
    """Widen the y range of `ax` if `values` leave it (with room to grow, so that most years
    keep the axes as they are); True if it changed. `reset` fits it afresh."""
    finite = values[np.isfinite(values)]
    if not len(finite):
        return False
    low, high = float(finite.min()), float(finite.max())
    bottom, top = ax.get_ylim()
    if not reset and bottom <= low and high <= top:
        return False
    span = (high - low) or 0.1 * abs(high) or 0.01
    if reset:
        bottom, top = low - 0.25 * span, high + 0.25 * span
    else:  # grow generously on the side that overflowed: a trend rarely forces a redraw
        bottom = min(bottom, low - 0.6 * span) if low < bottom else bottom
        top = max(top, high + 0.6 * span) if high > top else top
    ax.set_ylim(bottom, top)
    return True


class Blitter:
    """Draws a figure as a still background plus the artists that move."""

    def __init__(self, fig: Figure):
        self.fig = fig
        self.canvas = FigureCanvasAgg(fig)
        self.background = None

    def png(self, moving: list[Artist], still_changed: bool) -> bytes:
        if still_changed or self.background is None:
            for artist in moving:
                artist.set_visible(False)
            self.canvas.draw()
            self.background = self.canvas.copy_from_bbox(self.fig.bbox)
            for artist in moving:
                artist.set_visible(True)
        else:
            self.canvas.restore_region(self.background)
        for artist in moving:
            (artist.axes or self.fig).draw_artist(artist)
        buffer = io.BytesIO()
        width, height = self.canvas.get_width_height()
        image = Image.frombuffer("RGBA", (width, height), self.canvas.buffer_rgba())
        image.convert("RGB").save(buffer, format="png", compress_level=1)
        return buffer.getvalue()


class MapView:
    """The map on its own figure, rebuilt only when the colour metric changes."""

    def __init__(self) -> None:
        self.canvas: MapCanvas | None = None
        self.blitter: Blitter | None = None

    def render(self, data: MapData, selected: str | None) -> bytes:
        fresh = self.canvas is None or self.canvas.colour_by != data.colour_by
        if fresh:
            self.canvas = MapCanvas(Figure(figsize=(7.2, 4.6), dpi=100), data)
            self.blitter = Blitter(self.canvas.fig)
        rescaled = self.canvas.update(data, selected)
        return self.blitter.png(self.canvas.moving(), fresh or rescaled)


class ChartsView:
    """The charts on their own figure, built once."""

    def __init__(self) -> None:
        fig = Figure(figsize=(6.4, 5.6), dpi=100)
        self.canvas = ChartsCanvas(fig)
        fig.subplots_adjust(left=0.09, right=0.98, top=0.95, bottom=0.08, hspace=0.38, wspace=0.28)
        self.blitter = Blitter(fig)

    def render(self, data: ChartData) -> bytes:
        changed = self.canvas.update(data)
        return self.blitter.png(self.canvas.moving(), changed)


def combined_png(map_: MapData, charts: ChartData, selected: str | None) -> bytes:
    """The map and the charts side by side on one figure: what the export button saves."""
    fig = Figure(figsize=(14, 5.8), dpi=110)
    left, right = fig.subfigures(1, 2, width_ratios=(1.15, 1))
    MapCanvas(left, map_).update(map_, selected)
    ChartsCanvas(right).update(charts)
    right.subplots_adjust(left=0.09, right=0.98, top=0.94, bottom=0.08, hspace=0.4, wspace=0.3)
    return png_bytes(fig)
