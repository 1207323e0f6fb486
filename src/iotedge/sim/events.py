"""What the simulation streams: gateway reports and ground truth.

Both are named tuples (cheap to make by the million, unpackable), told apart with
``isinstance``. Every event has an ``arrival`` time: the stream is ordered by it.
"""

from __future__ import annotations

from typing import NamedTuple


class Report(NamedTuple):
    """One advert as one gateway delivered it.

    ``ts`` is the advert time as the gateway stamped it (seconds from the start,
    millisecond resolution, gateway clock offset included); ``arrival`` is when the
    report reached the consumer (``ts`` + batching + network delay, at most
    ``max_delay_s`` later). The payload fields are the badge's state at the advert,
    for encoding real badge frames: ``seq`` counts the badge's adverts, ``claps`` is
    its running clap count, ``temperature`` in degrees C (0.01 resolution) and
    ``battery`` in percent. ``duplicate`` marks a redelivered copy (a consumer cannot
    know this; tests can).
    """

    ts: float
    gateway: str
    badge: str
    rssi: int
    arrival: float
    seq: int = 0
    claps: int = 0
    temperature: float = 0.0
    battery: int = 0
    duplicate: bool = False


class Truth(NamedTuple):
    """Where badge ``badge`` really is at whole second ``ts`` (room ``none``: not in the venue)."""

    ts: int
    badge: str
    room: str

    @property
    def arrival(self) -> float:
        return float(self.ts)


Event = Report | Truth
