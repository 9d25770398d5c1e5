"""Inline SVG line charts that read without JavaScript (the data table sits beside each)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup, escape

# A narrow canvas, so the 13px text stays readable when a phone scales the chart down.
WIDTH, HEIGHT = 440, 230
LEFT, RIGHT, TOP, BOTTOM = 50, 14, 10, 28
# The first and last points stand this far inside the plot, so a dot (r 3.5) and its line
# never sit on the plot's edge (the latest month, the one readers look for, was cut in half).
PAD_X = 12


@dataclass(frozen=True)
class Series:
    """One line: its label and one value (or None for a gap) per x label."""

    label: str
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class Band:
    """A shaded horizontal band, e.g. an IKM grade range."""

    low: float
    high: float
    label: str
    css: str


def nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    """Round tick values (steps of 1, 2 or 5 × 10^k) covering low..high."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    start = math.floor(low / step) * step
    ticks, value = [], start
    while value < high + step * 0.999:
        ticks.append(round(value, 6))
        value += step
    return ticks


def _fmt(value: float) -> str:
    """Coordinates with at most one decimal, so the bytes stay small and stable."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


class _Scale:
    """Maps data values and x positions to SVG coordinates."""

    def __init__(self, n: int, low: float, high: float) -> None:
        self.n, self.low, self.high = n, low, high

    def x(self, i: int) -> float:
        """The x coordinate of the i-th label."""
        span = WIDTH - LEFT - RIGHT - 2 * PAD_X
        return LEFT + PAD_X + (span / 2 if self.n == 1 else span * i / (self.n - 1))

    def y(self, value: float) -> float:
        """The y coordinate of a value (clamped to the plot)."""
        value = min(max(value, self.low), self.high)
        return TOP + (HEIGHT - TOP - BOTTOM) * (self.high - value) / (self.high - self.low)


# Beyond this a value cannot be drawn (the axis arithmetic would reach infinity); such a
# month is a gap in the line, and the data table beside the chart still gives its figure.
PLOT_LIMIT = 1e300


def plottable(value: float | None) -> float | None:
    """The value, or None (a gap) when it is infinite, not a number or too large to draw."""
    return value if value is not None and math.isfinite(value) and abs(value) <= PLOT_LIMIT else None


def line_chart(chart_id: str, title: str, labels: list[str], series: list[Series],
               y_format: Callable[[float], str] = str, bands: tuple[Band, ...] = (),
               y_range: tuple[float, float] | None = None) -> Markup:
    """An accessible SVG line chart; ``y_format`` turns tick values into text."""
    series = [Series(s.label, tuple(plottable(v) for v in s.values)) for s in series]
    values = [v for s in series for v in s.values if v is not None]
    low, high = y_range or (0.0, max(values, default=1.0))
    ticks = nice_ticks(low, high)
    scale = _Scale(len(labels), ticks[0], ticks[-1])
    parts = [
        (f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{chart_id}-t"'
         f' focusable="false"><title id="{chart_id}-t">{escape(title)}</title>'),
        *(_band(b, scale) for b in bands),
        *(_tick(t, scale, y_format) for t in ticks),
        *_x_labels(labels, scale),
        *(_line(s, i, scale) for i, s in enumerate(series)),
        "</svg>",
    ]
    return Markup("".join(parts))


def _band(band: Band, scale: _Scale) -> str:
    """A grade band: a shaded rectangle with its label at the right edge."""
    top, bottom = scale.y(band.high), scale.y(band.low)
    if bottom - top < 1:
        return ""
    return (f'<rect class="band {band.css}" x="{LEFT}" y="{_fmt(top)}" width="{WIDTH - LEFT - RIGHT}"'
            f' height="{_fmt(bottom - top)}"/><text class="band-label" x="{WIDTH - RIGHT - 4}"'
            f' y="{_fmt(top + 14)}" text-anchor="end">{escape(band.label)}</text>')


def _tick(value: float, scale: _Scale, y_format: Callable[[float], str]) -> str:
    """A horizontal grid line with its value on the left."""
    y = _fmt(scale.y(value))
    return (f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y}" y2="{y}"/>'
            f'<text x="{LEFT - 6}" y="{y}" dy="4" text-anchor="end">{escape(y_format(value))}</text>')


def _x_labels(labels: list[str], scale: _Scale) -> list[str]:
    """Month labels under the plot, thinned so they never overlap."""
    every = max(1, math.ceil(len(labels) / 5))
    last = len(labels) - 1
    shown = [i for i in range(len(labels)) if (last - i) % every == 0]
    anchor = {0: "start", last: "end"} if len(labels) > 1 else {}
    return [f'<text x="{_fmt(scale.x(i))}" y="{HEIGHT - BOTTOM + 20}" text-anchor="{anchor.get(i, "middle")}">'
            f"{escape(labels[i])}</text>" for i in shown]


def _line(series: Series, index: int, scale: _Scale) -> str:
    """One series as polylines (split at gaps) with a dot on every value."""
    runs: list[list[str]] = [[]]
    dots = []
    for i, value in enumerate(series.values):
        if value is None:
            runs.append([])
            continue
        point = f"{_fmt(scale.x(i))},{_fmt(scale.y(value))}"
        runs[-1].append(point)
        dots.append(f'<circle cx="{point.split(",")[0]}" cy="{point.split(",")[1]}" r="3.5"/>')
    lines = "".join(f'<polyline points="{" ".join(run)}"/>' for run in runs if len(run) > 1)
    return f'<g class="series s{index + 1}">{lines}{"".join(dots)}</g>'
