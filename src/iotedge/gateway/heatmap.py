"""The demo's terminal view: a floor-plan heatmap of room occupancy, and a table.

Pure rendering: :class:`DashboardView` in, text out. :func:`render_ansi` draws the
floor plan (north up) with each room shaded by its estimated density (people per
square metre), the room's name and head count in it, and every gateway as a marker
(``◆`` online, ``×`` offline), followed by the table; :func:`render_plain` gives the
same numbers as plain ASCII lines for logs and pipes (no escape codes).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Density (people / m^2) thresholds and their 256-colour backgrounds.
HEAT_STEPS: tuple[tuple[float, int], ...] = (
    (0.8, 160),  # red
    (0.5, 166),  # orange
    (0.3, 136),  # ochre
    (0.15, 64),  # green
    (0.05, 30),  # teal
    (0.005, 24),  # blue
    (-1.0, 236),  # empty: grey
)
MAP_COLS = 50
MAP_ROWS = 16

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_DIM = "\x1b[2m"
_HOME_CLEAR = "\x1b[H\x1b[2J"


@dataclass
class RoomView:
    name: str
    area: float  # m^2
    rect: tuple[float, float, float, float]  # x0, y0, x1, y1 (metres)
    est: float | None = None  # expected head count (presence service)
    low: float | None = None
    high: float | None = None
    true: int | None = None  # the simulation's ground truth (demo only)
    claps_per_min: int | None = None
    badge_temp: float | None = None  # mean of worn badges (presence service)
    sensor_temp: float | None = None  # the room's DHT22 (sensor gateway)


@dataclass
class GatewayView:
    gw_id: str
    x: float
    y: float
    online: bool | None = None  # None: no status seen yet
    reports: int = 0


@dataclass
class DashboardView:
    title: str
    subtitle: str = ""
    rooms: list[RoomView] = field(default_factory=list)
    gateways: list[GatewayView] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # rates, alerts, notes


def heat_colour(density: float) -> int:
    for threshold, colour in HEAT_STEPS:
        if density >= threshold:
            return colour
    return HEAT_STEPS[-1][1]


def _fmt(value: float | None, spec: str, none: str = "-") -> str:
    return none if value is None else format(value, spec)


def table_lines(view: DashboardView) -> list[str]:
    """The per-room table (ASCII)."""
    out = [
        f"{'room':<10} {'people':>6} {'95% interval':>13} {'true':>5} "
        f"{'claps/min':>9} {'badge C':>7} {'room C':>6}"
    ]
    for r in view.rooms:
        interval = "-" if r.low is None or r.high is None else f"{r.low:5.1f}-{r.high:5.1f}"
        out.append(
            f"{r.name:<10} {_fmt(r.est, '6.1f'):>6} {interval:>13} {_fmt(r.true, 'd'):>5} "
            f"{_fmt(r.claps_per_min, 'd'):>9} {_fmt(r.badge_temp, '7.1f'):>7} "
            f"{_fmt(r.sensor_temp, '6.1f'):>6}"
        )
    return out


def gateway_line(view: DashboardView) -> str:
    known = [g for g in view.gateways if g.online is not None]
    online = sum(1 for g in known if g.online)
    down = [g.gw_id for g in view.gateways if g.online is False]
    text = f"gateways online {online}/{len(view.gateways)}"
    if down:
        text += " (offline: " + ", ".join(down) + ")"
    return text


def render_plain(view: DashboardView) -> str:
    lines = [view.title]
    if view.subtitle:
        lines.append(view.subtitle)
    lines += table_lines(view)
    lines.append(gateway_line(view))
    lines += view.lines
    return "\n".join(lines) + "\n"


def _map_rows(view: DashboardView) -> list[str]:
    if not view.rooms:
        return []
    x0 = min(r.rect[0] for r in view.rooms)
    y0 = min(r.rect[1] for r in view.rooms)
    x1 = max(r.rect[2] for r in view.rooms)
    y1 = max(r.rect[3] for r in view.rooms)
    sx = (x1 - x0) / MAP_COLS
    sy = (y1 - y0) / MAP_ROWS

    def room_at(col: int, row: int) -> RoomView | None:
        x = x0 + (col + 0.5) * sx
        y = y1 - (row + 0.5) * sy
        for r in view.rooms:
            rx0, ry0, rx1, ry1 = r.rect
            if rx0 <= x < rx1 and ry0 <= y < ry1:
                return r
        return None

    owner = [[room_at(c, r) for c in range(MAP_COLS)] for r in range(MAP_ROWS)]
    cells: list[list[str]] = [[" "] * MAP_COLS for _ in range(MAP_ROWS)]
    # Walls: where the room changes from the cell on the left or above.
    for row in range(MAP_ROWS):
        for col in range(MAP_COLS):
            here = owner[row][col]
            if col and owner[row][col - 1] is not here:
                cells[row][col] = "│"
            elif row and owner[row - 1][col] is not here:
                cells[row][col] = "─"
    marks: dict[tuple[int, int], GatewayView] = {}
    for gv in view.gateways:
        col = min(MAP_COLS - 1, max(0, int((gv.x - x0) / sx)))
        row = min(MAP_ROWS - 1, max(0, int((y1 - gv.y) / sy)))
        marks[(row, col)] = gv
    taken: set[tuple[int, int]] = set(marks)
    # Labels: the room's name, then its head count, on free rows near the middle.
    for labelled in view.rooms:
        rows = [r for r in range(MAP_ROWS) if any(o is labelled for o in owner[r])]
        if not rows:
            continue
        cols = [c for c in range(MAP_COLS) if owner[rows[0]][c] is labelled]
        c0, c1 = cols[0] + 1, cols[-1] + 1  # leave the wall column
        count = "-" if labelled.est is None else f"{labelled.est:.0f}"
        mid = rows[len(rows) // 2]
        order = sorted(rows, key=lambda r: (abs(r - mid + 0.5), r))
        for text in (labelled.name[: max(1, c1 - c0)], count):
            start = c0 + max(0, (c1 - c0 - len(text)) // 2)
            for row in order:
                span = {(row, c) for c in range(start, start + len(text))}
                if start + len(text) <= c1 and not span & taken:
                    for k, ch in enumerate(text):
                        cells[row][start + k] = ch
                    taken |= span
                    order = [r for r in order if r > row] + [r for r in order if r < row]
                    break
    out = []
    for row in range(MAP_ROWS):
        parts = []
        last = ""
        for col in range(MAP_COLS):
            room = owner[row][col]
            bg = 0
            if room is not None:
                density = (room.est or 0.0) / room.area if room.area > 0 else 0.0
                bg = heat_colour(density)
            g = marks.get((row, col))
            if g is not None:
                fg = 46 if g.online else (196 if g.online is False else 250)
                ch = "◆" if g.online or g.online is None else "×"
            else:
                ch = cells[row][col]
                fg = 250 if ch in "│─" else 231
            style = f"\x1b[48;5;{bg};38;5;{fg};1m"
            parts.append(ch if style == last else style + ch)
            last = style
        out.append("  " + "".join(parts) + _RESET)
    return out


def legend() -> str:
    parts = []
    labels = ("0.8+", "0.5", "0.3", "0.15", "0.05", ">0", "0")
    for (_threshold, colour), label in zip(HEAT_STEPS, labels, strict=True):
        parts.append(f"\x1b[48;5;{colour}m\x1b[38;5;231m {label} {_RESET}")
    return "  people/m2 " + "".join(parts) + "   ◆ gateway online  × offline"


def render_ansi(view: DashboardView) -> str:
    """A whole screen (cursor home, clear, map, table, lines)."""
    lines = [_HOME_CLEAR + _BOLD + view.title + _RESET]
    if view.subtitle:
        lines.append(_DIM + view.subtitle + _RESET)
    lines += _map_rows(view)
    lines.append(legend())
    lines += table_lines(view)
    lines.append(gateway_line(view))
    lines += view.lines
    return "\n".join(lines) + "\n"
