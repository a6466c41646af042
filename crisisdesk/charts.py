"""Chart geometry for SVG rendered on the server (templates/charts/*.html draw it).

No chart library: a line chart with a target line and a stacked bar chart cover the
dashboard and the incident room, work without JavaScript and satisfy the page CSP.
"""

from dataclasses import dataclass, field

WIDTH = 360
HEIGHT = 180
PAD_LEFT = 44
PAD_RIGHT = 12
PAD_TOP = 12
PAD_BOTTOM = 28
# Bars whose axis carries a date under the time need a second line of labels.
PAD_BOTTOM_DATED = 40


def _nice_max(value: float) -> float:
    """A round axis maximum at or above value (1, 2, 2.5, 5 × 10^n)."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1) if value >= 1 else 1
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return float(step * magnitude)
    return float(10 * magnitude)


def _count_ticks(value: float) -> tuple[int, list[int]]:
    """An axis maximum for counts and its ticks, all whole numbers: never half a mention.

    The maximum is 2, 5 or 1, 2, 5 × 10^n (at least 2); ticks at its halves when they are
    whole, else (5) at every unit."""
    top = 2
    magnitude = 1
    while top < value:
        for step in (2, 5, 10):
            if value <= step * magnitude:
                top = step * magnitude
                break
        else:
            magnitude *= 10
            continue
        break
    half = top // 2
    if top % 2 == 0:
        return top, [0, half, top]
    return top, list(range(0, top + 1, max(1, top // 5)))


def _number(value: float) -> str:
    return f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


@dataclass
class Tick:
    y: float
    label: str


@dataclass
class XLabel:
    x: float
    label: str


@dataclass
class Point:
    x: float
    y: float
    label: str
    value: str


@dataclass
class _Plot:
    """A chart's size and its plot area inside the axes' labels (SVG user units)."""

    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int


@dataclass
class LineChart(_Plot):
    segments: list[str]
    points: list[Point]
    ticks: list[Tick]
    x_labels: list[XLabel]
    target_y: float | None
    target_label: str
    empty: bool


def line_chart(
    labels: list[str],
    values: list[float | None],
    *,
    target: float | None = None,
    target_label: str = "",
) -> LineChart:
    """Values (None = no data that period) over evenly spaced labels, with a target line."""
    known = [v for v in values if v is not None]
    top = _nice_max(max([*known, target or 0, 0]) * 1.1)
    left, right = PAD_LEFT, WIDTH - PAD_RIGHT
    upper, lower = PAD_TOP, HEIGHT - PAD_BOTTOM
    step = (right - left) / max(len(labels) - 1, 1)

    def y_of(value: float) -> float:
        return round(lower - (value / top) * (lower - upper), 1)

    points: list[Point] = []
    segments: list[str] = []
    current: list[str] = []
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = round(left + index * step, 1)
        if value is None:
            if current:
                segments.append(" ".join(current))
            current = []
            continue
        y = y_of(value)
        current.append(f"{x},{y}")
        points.append(Point(x, y, label, _number(value)))
    if current:
        segments.append(" ".join(current))
    ticks = [Tick(y_of(top * f), _number(top * f)) for f in (0, 0.5, 1)]
    x_labels = [XLabel(round(left + i * step, 1), label) for i, label in enumerate(labels)]
    return LineChart(
        WIDTH,
        HEIGHT,
        left,
        right,
        upper,
        lower,
        segments,
        points,
        ticks,
        x_labels,
        y_of(target) if target is not None else None,
        target_label,
        not known,
    )


@dataclass
class Bar:
    x: float
    width: float
    total_y: float
    total_height: float
    part_y: float
    part_height: float
    label: str
    label_x: float
    total: int
    part: int
    share: str
    # The date under the time on the axis, where the day changes (and at the first label).
    date: str = ""
    # Where a click on the bar (all its mentions) or on its part (the negative ones) leads.
    total_url: str = ""
    part_url: str = ""


@dataclass
class BarChart(_Plot):
    bars: list[Bar] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    empty: bool = True
    # The usual level (e.g. the brand's mentions per bar over the week before), dashed.
    baseline_y: float | None = None
    baseline: str = ""
    linked: bool = False


def stacked_bars(
    labels: list[str],
    totals: list[int],
    parts: list[int],
    *,
    label_every: int = 1,
    dates: list[str] | None = None,
    urls: list[tuple[str, str]] | None = None,
    baseline: float | None = None,
    width: int = WIDTH,
) -> BarChart:
    """A bar per label: the total, with the part (e.g. negative mentions) drawn inside it.
    Only every `label_every`-th bar is labelled on the axis (all keep their tooltip).

    Counts: the axis ticks are whole numbers. `dates` (one per bar) puts the date under a
    labelled bar where the day changes; `urls` (total, part) make each bar a link;
    `baseline` draws the usual level as a dashed line; `width` widens the drawing for a
    wide column (the height stays)."""
    top, tick_values = _count_ticks(max([*totals, baseline or 0, 0]) * 1.1)
    left, right = PAD_LEFT, width - PAD_RIGHT
    upper, lower = PAD_TOP, HEIGHT - (PAD_BOTTOM_DATED if dates else PAD_BOTTOM)
    slot = (right - left) / max(len(labels), 1)
    bar_width = round(slot * 0.7, 1)
    bars = []
    last_date = None
    for index, (label, total, part) in enumerate(zip(labels, totals, parts, strict=True)):
        total_height = round((total / top) * (lower - upper), 1)
        part_height = round((part / top) * (lower - upper), 1)
        x = round(left + index * slot + (slot - bar_width) / 2, 1)
        share = f"{round(100 * part / total)}%" if total else "—"
        labelled = index % label_every == 0
        date = ""
        if dates and labelled and dates[index] != last_date:
            date = last_date = dates[index]
        total_url, part_url = urls[index] if urls else ("", "")
        bars.append(
            Bar(
                x,
                bar_width,
                round(lower - total_height, 1),
                total_height,
                round(lower - part_height, 1),
                part_height,
                label,
                round(x + bar_width / 2, 1) if labelled else -1,
                total,
                part,
                share,
                date,
                total_url,
                part_url,
            )
        )
    ticks = [Tick(round(lower - (v / top) * (lower - upper), 1), str(v)) for v in tick_values]
    baseline_y = round(lower - (baseline / top) * (lower - upper), 1) if baseline else None
    # Alike line_chart's LineChart(…) on purpose: both fill the shared _Plot frame, then their
    # own fields (bars and a baseline here, segments, points and a target there).
    return BarChart(
        width,
        HEIGHT,
        left,
        right,
        upper,
        lower,
        bars,
        ticks,
        not any(totals),
        baseline_y,
        _number(baseline) if baseline else "",
        bool(urls),
    )
