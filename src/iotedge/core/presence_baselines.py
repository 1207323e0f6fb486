"""Baselines: what people run today, with the estimator's streaming API.

``StrongestGateway`` is ESPresense nodes feeding Home Assistant's ``mqtt_room``
sensor, the common "nearest node" set-up. Its rules, from the sources:

- Node side (ESPresense firmware, settings ``absorption`` default 3.5, reference
  RSSI at 1 m ``tx_ref_rssi`` default -59, ``skip_distance`` 0.5 m, ``skip_ms``
  5000, ``max_distance`` 16 m): each advert's distance is
  ``10 ** ((ref - rssi) / (10 * absorption))``; a node publishes a device's
  distance only when it moved by at least ``skip_distance`` since its last
  publish or ``skip_ms`` have passed, and never beyond ``max_distance``. (The
  firmware also smooths RSSI; we model the node filter as pass-through.)
- Home Assistant ``homeassistant/components/mqtt_room/sensor.py``: a message from
  room X is accepted when X is the current room, OR its distance is smaller
  than the current distance, OR the current state is older than ``timeout``
  (default 5 s); the state becomes ``not_home`` when nothing was accepted for
  ``away_timeout`` seconds (HA default 0 = never; we use 120 s, two burst
  periods, as a user tracking people leaving would set it).

``ThresholdCount`` is the naive per-gateway head count of the original heatmap:
a gateway counts every badge it heard at or above ``threshold`` dBm within the
last ``window`` seconds; a room's count is the badges counted by any of its
gateways (a badge near a wall counts in two rooms). For per-badge accuracy, a
badge's room is the room of the gateway with the strongest such reading.

Both give confidence 1.0: they make hard decisions.
"""

from .presence_venue import NONE, Venue


class StrongestGateway:
    def __init__(
        self,
        venue: Venue,
        absorption: float = 3.5,
        ref_rssi: float = -59.0,
        skip_distance: float = 0.5,
        skip_ms: float = 5000.0,
        max_distance: float = 16.0,
        timeout: float = 5.0,
        away_timeout: float = 120.0,
    ) -> None:
        self.venue = venue
        self.absorption = absorption
        self.ref_rssi = ref_rssi
        self.skip_distance = skip_distance
        self.skip_s = skip_ms / 1000.0
        self.max_distance = max_distance
        self.timeout = timeout
        self.away_timeout = away_timeout
        # badge -> [room or None, distance, updated ts]
        self._state: dict[str, list] = {}  # type: ignore[type-arg]
        # (gateway, badge) -> (last published distance, ts)
        self._node: dict[tuple[int, str], tuple[float, float]] = {}
        # badge -> {gateway: last publish ts}
        self._heard: dict[str, dict[int, float]] = {}
        self._order: list[str] = []
        self.now = -1.0e300

    def distance(self, rssi: float) -> float:
        d: float = 10.0 ** ((self.ref_rssi - rssi) / (10.0 * self.absorption))
        return d

    def update(self, ts: float, gateway: str, badge: str, rssi: int) -> None:
        g = self.venue.gateway_index.get(gateway)
        if g is None:
            return
        if badge not in self._state:
            self._state[badge] = [None, 0.0, -1.0e300]
            self._heard[badge] = {}
            self._order.append(badge)
        d = self.distance(rssi)
        if self.max_distance > 0 and d > self.max_distance:
            return
        key = (g, badge)
        last = self._node.get(key)
        if last is not None:
            moved = abs(d - last[0]) >= self.skip_distance
            if not moved and ts - last[1] < self.skip_s:
                return
        self._node[key] = (d, ts)
        self._heard[badge][g] = ts
        self._message(badge, self.venue.gateway_room[g], d, ts)

    def _message(self, badge: str, room: int, d: float, ts: float) -> None:
        state = self._state[badge]
        if state[0] is None and state[2] < -1.0e299:
            state[0], state[1], state[2] = room, d, ts
            return
        if state[0] == room or d < state[1] or ts - state[2] >= self.timeout:
            state[0], state[1], state[2] = room, d, ts

    def advance(self, ts: float) -> None:
        if ts > self.now:
            self.now = ts
        if self.away_timeout <= 0:
            return
        for state in self._state.values():
            if state[0] is not None and ts - state[2] > self.away_timeout:
                state[0] = None  # not_home; distance and time stay, as in HA

    def badges(self) -> list[str]:
        return list(self._order)

    def badge_state(self, badge: str) -> tuple[str, float, int]:
        state = self._state.get(badge)
        if state is None or state[0] is None:
            return (NONE, 1.0, 0)
        heard = 0
        for t in self._heard[badge].values():
            if self.now - t <= 60.0:
                heard += 1
        return (self.venue.rooms[state[0]], 1.0, heard)

    def occupancy(self) -> dict[str, tuple[float, float, float]]:
        counts = [0] * self.venue.n_rooms
        for state in self._state.values():
            if state[0] is not None:
                counts[state[0]] += 1
        return _counts(self.venue, counts)


class ThresholdCount:
    def __init__(self, venue: Venue, threshold: float = -85.0, window: float = 75.0) -> None:
        self.venue = venue
        self.threshold = threshold
        self.window = window
        # badge -> {gateway: (ts, rssi)} of readings at or above the threshold
        self._seen: dict[str, dict[int, tuple[float, int]]] = {}
        self._order: list[str] = []
        self.now = -1.0e300

    def update(self, ts: float, gateway: str, badge: str, rssi: int) -> None:
        g = self.venue.gateway_index.get(gateway)
        if g is None:
            return
        seen = self._seen.get(badge)
        if seen is None:
            seen = {}
            self._seen[badge] = seen
            self._order.append(badge)
        if rssi < self.threshold:
            return
        if ts >= seen.get(g, (-1.0e300, 0))[0]:
            seen[g] = (ts, rssi)  # the gateway's latest reading at or above threshold

    def advance(self, ts: float) -> None:
        if ts > self.now:
            self.now = ts
        for seen in self._seen.values():
            stale = [g for g, v in seen.items() if ts - v[0] > self.window]
            for g in stale:
                del seen[g]

    def badges(self) -> list[str]:
        return list(self._order)

    def badge_state(self, badge: str) -> tuple[str, float, int]:
        seen = self._seen.get(badge)
        if not seen:
            return (NONE, 1.0, 0)
        best = -1
        best_rssi = -1000
        for g, v in seen.items():
            if v[1] > best_rssi:
                best_rssi = v[1]
                best = g
        return (self.venue.rooms[self.venue.gateway_room[best]], 1.0, len(seen))

    def occupancy(self) -> dict[str, tuple[float, float, float]]:
        counts = [0] * self.venue.n_rooms
        for seen in self._seen.values():
            rooms = {}
            for g in seen:
                rooms[self.venue.gateway_room[g]] = True
            for r in rooms:
                counts[r] += 1
        return _counts(self.venue, counts)


def _counts(venue: Venue, counts: list[int]) -> dict[str, tuple[float, float, float]]:
    out = {}
    for r in range(venue.n_rooms):
        c = float(counts[r])
        out[venue.rooms[r]] = (c, c, c)
    return out
