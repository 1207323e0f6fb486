"""Portable tests of the BTHome replay guard (run by pytest and by micropython)."""

import gc
import json

from vectors_crypto import expect, h

from iotedge.core.bthome_replay import ReplayGuard
from iotedge.core.errors import ReplayError

MAC_A = h("5448e68f80a5")
MAC_B = h("a4c1388d18b2")


def test_first_counter_is_trusted_then_only_higher_ones():
    guard = ReplayGuard()
    assert guard.last(MAC_A) is None
    guard.check(MAC_A, 500)  # unknown device: anything goes
    guard.commit(MAC_A, 500)
    assert guard.last(MAC_A) == 500
    expect(ReplayError, "duplicate", guard.check, MAC_A, 500)
    expect(ReplayError, "old-counter", guard.check, MAC_A, 499)
    expect(ReplayError, "old-counter", guard.check, MAC_A, 0)
    guard.check(MAC_A, 501)
    guard.commit(MAC_A, 0xFFFFFFFF)
    expect(ReplayError, "duplicate", guard.check, MAC_A, 0xFFFFFFFF)


def test_check_never_changes_state_and_commit_rechecks():
    guard = ReplayGuard()
    guard.commit(MAC_A, 10)
    for counter in (11, 12, 1000):
        guard.check(MAC_A, counter)
    assert guard.last(MAC_A) == 10  # checked, never committed
    guard.commit(MAC_A, 1000)
    # A commit of a lower counter would move the device backwards: refused.
    expect(ReplayError, "old-counter", guard.commit, MAC_A, 11)
    assert guard.last(MAC_A) == 1000


def test_devices_are_independent_for_each_kind_of_id():
    for first, second in ((MAC_A, MAC_B), ("badge-0042", "badge-0043"), (42, 43)):
        guard = ReplayGuard()
        guard.commit(first, 7)
        guard.commit(second, 3)
        guard.check(second, 4)
        expect(ReplayError, "duplicate", guard.check, first, 7)
        expect(ReplayError, "old-counter", guard.check, second, 2)
        assert len(guard) == 2


def test_one_kind_of_id_per_guard():
    # The same MAC as bytes and as text would be two devices, each accepting the
    # other's replays: a guard holding one kind refuses ids of another kind, from
    # every method, and changes nothing (MicroPython would also warn comparing
    # bytes with str keys while probing its dict).
    text_mac = "54:48:E6:8F:80:A5"
    for held, foreign in ((MAC_A, text_mac), (text_mac, MAC_A), (42, "42"), ("42", 42)):
        guard = ReplayGuard()
        guard.commit(held, 7)
        state = guard.export_state()
        expect(ReplayError, "bad-device", guard.check, foreign, 8)
        expect(ReplayError, "bad-device", guard.commit, foreign, 8)
        expect(ReplayError, "bad-device", guard.last, foreign)
        expect(ReplayError, "bad-device", guard.forget, foreign)
        assert guard.export_state() == state
        # Empty again (everything forgotten), the guard takes any one kind.
        assert guard.forget(held) is True
        guard.commit(foreign, 1)
        assert guard.last(foreign) == 1
        expect(ReplayError, "bad-device", guard.check, held, 8)


def test_bad_counters_and_ids_are_refused():
    guard = ReplayGuard()
    expect(ReplayError, "bad-counter", guard.check, MAC_A, -1)
    expect(ReplayError, "bad-counter", guard.check, MAC_A, 0x100000000)
    expect(ReplayError, "bad-counter", guard.commit, MAC_A, "5")
    expect(ReplayError, "bad-device", guard.check, bytearray(MAC_A), 1)
    expect(ReplayError, "bad-device", guard.commit, (1, 2), 1)
    expect(ReplayError, "bad-device", guard.commit, True, 1)
    expect(ReplayError, "bad-limit", ReplayGuard, 0)
    assert len(guard) == 0


def test_least_recently_committed_device_is_evicted():
    gc.collect()
    guard = ReplayGuard(3)
    guard.commit("a", 1)
    guard.commit("b", 1)
    guard.commit("c", 1)
    guard.commit("a", 2)  # "a" is fresh again: "b" is now the oldest
    guard.commit("d", 1)
    assert len(guard) == 3
    assert guard.evictions == 1
    assert guard.last("b") is None
    assert guard.last("a") == 2 and guard.last("c") == 1 and guard.last("d") == 1
    # The documented cost: an evicted device is trusted again on first use.
    guard.check("b", 1)
    for i in range(20):
        guard.commit("x" + str(i), i)
    assert len(guard) == 3
    assert guard.evictions == 21


def test_forget_lets_a_restarted_device_back_in():
    guard = ReplayGuard()
    guard.commit(MAC_A, 90000)
    expect(ReplayError, "old-counter", guard.check, MAC_A, 1)  # battery change: counter restarted
    assert guard.forget(MAC_A) is True
    assert guard.forget(MAC_A) is False
    guard.commit(MAC_A, 1)
    assert guard.last(MAC_A) == 1


def test_state_survives_export_json_import():
    gc.collect()
    guard = ReplayGuard(3)
    guard.commit(MAC_A, 0xFFFFFFFF)
    guard.commit(h("0102030405"), 6)
    guard.commit(MAC_B, 7)
    text = json.dumps(guard.export_state())
    state = json.loads(text)
    assert state["devices"][0] == ["hex:5448e68f80a5", 0xFFFFFFFF]  # oldest first
    restored = ReplayGuard(3)
    restored.import_state(state)
    assert len(restored) == 3
    assert restored.last(MAC_A) == 0xFFFFFFFF
    assert restored.last(h("0102030405")) == 6
    expect(ReplayError, "duplicate", restored.check, MAC_B, 7)
    # Recency survives too: the next new device evicts MAC_A, the oldest.
    restored.commit(h("ffffffffffff"), 1)
    assert restored.last(MAC_A) is None
    assert restored.last(MAC_B) == 7
    # str and int ids (in guards of their own) come back as what they were.
    for ids, first in (
        (("hex:not-a-mac", "badge-1"), ["str:hex:not-a-mac", 5]),  # looks encoded
        ((17, 0), [17, 5]),
    ):
        guard = ReplayGuard()
        for i, device in enumerate(ids):
            guard.commit(device, 5 + i)
        state = json.loads(json.dumps(guard.export_state()))
        assert state["devices"][0] == first
        restored = ReplayGuard()
        restored.import_state(state)
        assert [restored.last(device) for device in ids] == [5, 6]


def test_import_into_a_smaller_guard_keeps_the_newest():
    guard = ReplayGuard()
    for i in range(6):
        guard.commit(i, 100 + i)
    small = ReplayGuard(2)
    small.import_state(guard.export_state())
    assert len(small) == 2
    assert small.last(4) == 104 and small.last(5) == 105
    assert small.last(0) is None


def test_bad_state_is_refused_and_changes_nothing():
    guard = ReplayGuard()
    guard.commit(MAC_A, 3)
    good = guard.export_state()
    bad_states = (
        None,
        [],
        {"format": "something-else", "version": 1, "devices": []},
        {"format": "iotedge-replay-guard", "version": 2, "devices": []},
        {"format": "iotedge-replay-guard", "version": 1, "devices": {}},
        {"format": "iotedge-replay-guard", "version": 1, "devices": [["str:a"]]},
        {"format": "iotedge-replay-guard", "version": 1, "devices": [["str:a", -1]]},
        {"format": "iotedge-replay-guard", "version": 1, "devices": [["str:a", 2**32]]},
        {"format": "iotedge-replay-guard", "version": 1, "devices": [["str:a", "1"]]},
        {"format": "iotedge-replay-guard", "version": 1, "devices": [["str:a", True]]},
        {"format": "iotedge-replay-guard", "version": 1, "devices": [["hex:zz", 1]]},
        {"format": "iotedge-replay-guard", "version": 1, "devices": [["plain", 1]]},
        {"format": "iotedge-replay-guard", "version": 1, "devices": [[1.5, 1]]},
        {"format": "iotedge-replay-guard", "version": 1, "devices": [["hex:01", 1], ["str:a", 2]]},
        {"format": "iotedge-replay-guard", "version": 1, "devices": [["str:a", 1], [7, 2]]},
    )
    for state in bad_states:
        expect(ReplayError, "bad-state", guard.import_state, state)
        assert guard.export_state() == good
