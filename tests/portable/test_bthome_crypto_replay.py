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


def test_devices_are_independent_and_ids_of_each_kind_are_distinct():
    guard = ReplayGuard()
    guard.commit(MAC_A, 7)
    guard.commit(MAC_B, 3)
    guard.commit("badge-0042", 9)
    guard.commit(42, 1)
    guard.check(MAC_B, 4)
    guard.check("badge-0043", 0)
    guard.check(43, 0)
    expect(ReplayError, "duplicate", guard.check, 42, 1)
    expect(ReplayError, "old-counter", guard.check, "badge-0042", 8)
    assert len(guard) == 4


def test_bad_counters_and_ids_are_refused():
    guard = ReplayGuard()
    expect(ReplayError, "bad-counter", guard.check, MAC_A, -1)
    expect(ReplayError, "bad-counter", guard.check, MAC_A, 0x100000000)
    expect(ReplayError, "bad-counter", guard.commit, MAC_A, "5")
    expect(ReplayError, "bad-device", guard.check, bytearray(MAC_A), 1)
    expect(ReplayError, "bad-device", guard.commit, (1, 2), 1)
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
    guard = ReplayGuard(4)
    guard.commit(MAC_A, 0xFFFFFFFF)
    guard.commit("hex:not-a-mac", 5)  # a str that looks like an encoded id
    guard.commit(17, 6)
    guard.commit(MAC_B, 7)
    text = json.dumps(guard.export_state())
    state = json.loads(text)
    assert state["devices"][0] == ["hex:5448e68f80a5", 0xFFFFFFFF]  # oldest first
    assert state["devices"][1] == ["str:hex:not-a-mac", 5]
    restored = ReplayGuard(4)
    restored.import_state(state)
    assert len(restored) == 4
    assert restored.last(MAC_A) == 0xFFFFFFFF
    assert restored.last("hex:not-a-mac") == 5
    assert restored.last(17) == 6
    expect(ReplayError, "duplicate", restored.check, MAC_B, 7)
    # Recency survives too: the next new device evicts MAC_A, the oldest.
    restored.commit("new", 1)
    assert restored.last(MAC_A) is None
    assert restored.last(MAC_B) == 7


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
    )
    for state in bad_states:
        expect(ReplayError, "bad-state", guard.import_state, state)
        assert guard.export_state() == good
