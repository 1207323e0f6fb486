"""People follow the programme: rooms change only through doors, the hall fills for keynotes."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict

import pytest

from iotedge.sim.events import Truth
from iotedge.sim.geometry import OUTSIDE
from iotedge.sim.people import WALK
from iotedge.sim.programme import BREAK, KEYNOTE, TALKS
from iotedge.sim.scenarios import build_scenario
from iotedge.sim.venues import FOYER, MAIN_HALL


def test_truth_room_changes_only_between_adjacent_rooms_or_at_the_entrance() -> None:
    sim = build_scenario("small", 21)
    adjacent = {frozenset(p) for p in sim.plan.adjacent_pairs()}
    adjacent.add(frozenset((FOYER, OUTSIDE)))  # the entrance
    last: dict[str, str] = {}
    moves: Counter[frozenset[str]] = Counter()
    for ev in sim.run():
        if not isinstance(ev, Truth):
            continue
        before = last.get(ev.badge)
        if before is not None and before != ev.room:
            pair = frozenset((before, ev.room))
            assert pair in adjacent, (ev, before)
            moves[pair] += 1
        last[ev.badge] = ev.room
    # People really moved: through the entrance, foyer<->hall and along the corridor.
    assert moves[frozenset((FOYER, OUTSIDE))] >= 20
    assert moves[frozenset((FOYER, MAIN_HALL))] >= 20
    assert sum(v for k, v in moves.items() if "corridor" in k) >= 10


def test_walking_takes_time_through_the_corridor() -> None:
    sim = build_scenario("small", 22)
    for person in sim.people:
        for leg in person.legs:
            if leg.kind != WALK:
                continue
            length = sum(
                ((b[1] - a[1]) ** 2 + (b[2] - a[2]) ** 2) ** 0.5
                for a, b in zip(leg.path, leg.path[1:], strict=False)
            )
            assert leg.t1 - leg.t0 == pytest.approx(length / person.speed)
            assert 0.9 <= person.speed <= 1.4


def test_main_hall_occupancy_peaks_during_the_keynote() -> None:
    sim = build_scenario("conference", 23, badges=120)
    keynote = next(s for s in sim.programme if s.kind == KEYNOTE)
    during = []
    otherwise = []
    for t in range(0, sim.config.duration, 30):
        n = sum(sim.room_at(b, t) == MAIN_HALL for b in range(120))
        if keynote.start <= t < keynote.end:
            during.append(n)
        elif not keynote.end <= t < keynote.end + 300:  # people take a while to leave
            otherwise.append(n)
    assert max(during) > max(otherwise)
    assert max(during) >= 0.8 * 120
    # During a talk slot the hall holds its share, not everyone.
    talks = next(s for s in sim.programme if s.kind == TALKS)
    mid = (talks.start + talks.end) / 2
    in_hall = sum(sim.room_at(b, mid) == MAIN_HALL for b in range(120))
    assert 0.2 * 120 < in_hall < 0.6 * 120


def test_breaks_fill_the_foyer_and_some_leave_and_come_back() -> None:
    sim = build_scenario("conference", 24, badges=150)
    brk = next(s for s in sim.programme if s.kind == BREAK)
    mid = (brk.start + brk.end) / 2
    in_foyer = sum(sim.room_at(b, mid) == FOYER for b in range(150))
    assert in_foyer > 0.5 * 150
    # A few whose next talk is in the same room keep their seat through the break.
    stayed = [b for b in range(150) if sim.room_at(b, mid) == MAIN_HALL]
    assert 0 < len(stayed) < 0.3 * 150
    assert all(sim.room_at(b, brk.start - 60) == MAIN_HALL for b in stayed)
    came_back = left_for_good = 0
    for person in sim.people:
        rooms = [room for _, room in person.room_changes]
        inside = [i for i, r in enumerate(rooms) if r != OUTSIDE]
        if not inside:
            continue
        if any(r == OUTSIDE for r in rooms[inside[0] : inside[-1]]):
            came_back += 1
        if rooms[-1] == OUTSIDE:
            left_for_good += 1
    assert came_back >= 10
    assert left_for_good >= 3


def test_packed_hall_is_denser_than_the_conference() -> None:
    def hall_density(name: str) -> float:
        sim = build_scenario(name, 25, duration=7200)
        talks = next(s for s in sim.programme if s.kind == TALKS)
        mid = (talks.start + talks.end) / 2
        n = sum(sim.room_at(b, mid) == MAIN_HALL for b in range(sim.config.badges))
        return n / sim.plan.by_name[MAIN_HALL].area

    assert hall_density("packed-hall") > 2 * hall_density("conference")


def test_claps_rise_after_talks() -> None:
    sim = build_scenario("conference", 26, badges=60)
    talk_ends = {s.end - 1.0 for s in sim.programme if s.kind in (KEYNOTE, TALKS)}
    clappers = 0
    for person in sim.people:
        totals = [n for _, n in person.claps]
        assert totals == sorted(totals)
        assert all(t in talk_ends for t, _ in person.claps)
        clappers += bool(person.claps)
    assert clappers > 40


def test_programme_slots_tile_the_event() -> None:
    for name, seed in (("conference", 1), ("small", 2)):
        sim = build_scenario(name, seed)
        slots = sim.programme
        assert slots[0].start == 0.0 and slots[-1].end == sim.config.duration
        assert all(a.end == b.start for a, b in itertools.pairwise(slots))
        kinds = defaultdict(int)
        for s in slots:
            kinds[s.kind] += 1
            assert abs(sum(share for _, share in s.audience) - (1.0 if s.audience else 0.0)) < 1e-9
        assert kinds[KEYNOTE] == 1 and kinds[TALKS] >= 1 and kinds[BREAK] >= 1
