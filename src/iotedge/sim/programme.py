"""The conference programme: a timetable of keynotes, parallel talks, breaks and lunch.

One day's template (minutes) is scaled by ``schedule_scale``, repeated if the event
is longer than a day, and cut at the event's end. The demo can read the same
timetable to broadcast Now/Next frames.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

ARRIVAL = "arrival"
KEYNOTE = "keynote"
TALKS = "talks"
BREAK = "break"
LUNCH = "lunch"
CLOSING = "closing"
DEPARTURE = "departure"

# (kind, minutes, title). 380 minutes: a 3-hour event ends during lunch.
DAY_TEMPLATE: tuple[tuple[str, float, str], ...] = (
    (ARRIVAL, 15, "Doors open, coffee in the foyer"),
    (KEYNOTE, 45, "Opening keynote"),
    (BREAK, 20, "Coffee break"),
    (TALKS, 40, "Talks, block 1"),
    (BREAK, 15, "Short break"),
    (TALKS, 40, "Talks, block 2"),
    (LUNCH, 50, "Lunch"),
    (TALKS, 40, "Talks, block 3"),
    (BREAK, 15, "Short break"),
    (TALKS, 40, "Talks, block 4"),
    (CLOSING, 30, "Closing keynote"),
    (DEPARTURE, 30, "Goodbye"),
)

SEATED = (KEYNOTE, TALKS, CLOSING)


@dataclass(frozen=True)
class Slot:
    """One programme slot. ``audience`` maps each talk room to its share of listeners."""

    start: float
    end: float
    kind: str
    title: str
    audience: tuple[tuple[str, float], ...] = ()


def build_programme(
    duration: float,
    scale: float,
    main_hall: str,
    breakout_rooms: tuple[str, ...],
    main_hall_share: float,
    rng: random.Random,
) -> list[Slot]:
    """Slots covering ``[0, duration)``.

    In a talks slot the main hall draws ``main_hall_share`` of the audience and each
    breakout room a random share of the rest (popularity 0.5-1.5, normalised), so
    rooms fill differently from slot to slot.
    """
    slots: list[Slot] = []
    t = 0.0
    while t < duration:
        for kind, minutes, title in DAY_TEMPLATE:
            end = min(duration, t + minutes * 60.0 * scale)
            audience: tuple[tuple[str, float], ...] = ()
            if kind in (KEYNOTE, CLOSING):
                audience = ((main_hall, 1.0),)
            elif kind == TALKS:
                pop = [rng.uniform(0.5, 1.5) for _ in breakout_rooms]
                rest = (1.0 - main_hall_share) / sum(pop)
                audience = ((main_hall, main_hall_share),) + tuple(
                    (room, p * rest) for room, p in zip(breakout_rooms, pop, strict=True)
                )
            slots.append(Slot(t, end, kind, title, audience))
            t = end
            if t >= duration:
                break
    return slots


def slot_at(slots: list[Slot], t: float) -> Slot | None:
    """The slot running at time ``t`` (None past the end)."""
    for s in slots:
        if s.start <= t < s.end:
            return s
    return None
