"""The durable SQLite outbox (iotedge.adapters.outbox)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iotedge.adapters.outbox import Outbox, OutboxFullError, Pending


def test_enqueue_peek_ack_and_reopen(tmp_path: Path) -> None:
    path = tmp_path / "o.sqlite"
    with Outbox(path) as box:
        ids = [box.enqueue("t/a", bytes([i]) * 3) for i in range(5)]
        assert ids == [1, 2, 3, 4, 5]
        epoch = box.epoch
        assert [m.payload for m in box.peek(after_id=2, limit=2)] == [b"\x02" * 3, b"\x03" * 3]
        assert box.ack([1, 3, 99]) == 2  # unknown ids are ignored
        assert len(box) == 3 and box.pending_bytes == 9
    with Outbox(path) as box:  # a restart sees exactly what was not acknowledged
        assert box.epoch == epoch
        assert [m.id for m in box.peek()] == [2, 4, 5]
        assert len(box) == 3 and box.pending_bytes == 9
        box.ack([2, 4, 5])
        # Ids are never reused, even once everything was deleted (AUTOINCREMENT).
        assert box.enqueue("t/a", b"x") == 6
        assert box.last_id == 6


def test_epoch_differs_per_file(tmp_path: Path) -> None:
    with Outbox(tmp_path / "a") as a, Outbox(tmp_path / "b") as b:
        assert a.epoch != b.epoch and len(a.epoch) == 12


def test_callable_payload_sees_its_own_id(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o") as box:
        box.enqueue("t", b"first")
        ids = box.enqueue_many(
            [Pending("t", lambda i: f"msg {i}".encode()), Pending("u", b"raw", qos=0, retain=True)]
        )
        assert ids == [2, 3]
        msgs = box.peek()
        assert [m.payload for m in msgs] == [b"first", b"msg 2", b"raw"]
        assert (msgs[2].topic, msgs[2].qos, msgs[2].retain) == ("u", 0, True)


def test_reject_policy_stores_nothing_when_full(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o", max_messages=3, policy="reject") as box:
        box.enqueue_many([Pending("t", b"a"), Pending("t", b"b")])
        with pytest.raises(OutboxFullError):
            box.enqueue_many([Pending("t", b"c"), Pending("t", b"d")])  # all or nothing
        assert [m.payload for m in box.peek()] == [b"a", b"b"]
        box.enqueue("t", b"c")
        with pytest.raises(OutboxFullError):
            box.enqueue("t", b"d")
        box.ack([1])
        assert box.enqueue("t", b"d") == 4  # a rejected enqueue consumed no id
        assert box.dropped == 0


def test_drop_oldest_policy_bounds_count_and_bytes(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o", max_messages=4, max_bytes=10, policy="drop_oldest") as box:
        for i in range(6):
            box.enqueue("t", bytes([i]) * 2)
        assert [m.id for m in box.peek()] == [3, 4, 5, 6]
        box.enqueue("t", b"x" * 6)  # 8 + 6 > 10 bytes: the two oldest (4 bytes) must go
        assert [m.id for m in box.peek()] == [5, 6, 7]
        assert box.pending_bytes == 10 and box.dropped == 4
        with pytest.raises(OutboxFullError):
            box.enqueue("t", b"y" * 11)  # larger than the whole bound


def test_bad_input_rejected(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o") as box:
        for topic in ("", "a/+/b", "a/#"):
            with pytest.raises(ValueError):
                box.enqueue(topic, b"x")
        with pytest.raises(ValueError):
            box.enqueue("t", b"x", qos=3)
        assert len(box) == 0
    with pytest.raises(ValueError):
        Outbox(tmp_path / "p", policy="lifo")  # type: ignore[arg-type]


_CHILD = """
import sys
from iotedge.adapters.outbox import Outbox
box = Outbox(sys.argv[1])
for i in range(int(sys.argv[2])):
    box.enqueue("t", str(i).encode())
    print(i, flush=True)   # 'accepted' is printed only after enqueue returned
sys.stdout.flush()
import os, signal
os.kill(os.getpid(), signal.SIGKILL)  # die without closing anything
"""


def test_accepted_survives_sigkill(tmp_path: Path) -> None:
    """Everything a killed process was told 'accepted' is in the file afterwards."""
    path = tmp_path / "o.sqlite"
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path), "200"], capture_output=True, text=True
    )
    assert proc.returncode == -9
    accepted = [int(x) for x in proc.stdout.split()]
    assert accepted == list(range(200))
    with Outbox(path) as box:
        assert [int(m.payload) for m in box.peek(limit=1000)] == accepted


ops = st.lists(
    st.one_of(
        st.tuples(st.just("put"), st.integers(0, 20)),
        st.tuples(st.just("ack"), st.integers(0, 30)),
        st.tuples(st.just("reopen"), st.just(0)),
    ),
    max_size=40,
)


@settings(max_examples=40, deadline=None)
@given(ops)
def test_outbox_matches_a_model(operations: list[tuple[str, int]]) -> None:
    """Against a dict model: same content, ids strictly increasing, bounds respected."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "o"
        box = Outbox(path, max_messages=8, policy="reject")
        model: dict[int, bytes] = {}
        last = 0
        for op, arg in operations:
            if op == "put":
                payload = bytes([arg]) * arg
                if len(model) >= 8:
                    with pytest.raises(OutboxFullError):
                        box.enqueue("t", payload)
                    continue
                new_id = box.enqueue("t", payload)
                assert new_id > last
                last = new_id
                model[new_id] = payload
            elif op == "ack":
                box.ack([arg])
                model.pop(arg, None)
            else:
                box.close()
                box = Outbox(path, max_messages=8, policy="reject")
            assert {m.id: m.payload for m in box.peek(limit=100)} == model
            assert len(box) == len(model)
            assert box.pending_bytes == sum(map(len, model.values()))
        box.close()


kept_ops = st.lists(
    st.one_of(
        st.tuples(st.just("put"), st.integers(1, 20)),
        st.tuples(st.just("ack"), st.integers(0, 30)),
        st.tuples(st.just("requeue"), st.integers(0, 3)),
        st.tuples(st.just("reopen"), st.just(0)),
    ),
    max_size=40,
)


@settings(max_examples=40, deadline=None)
@given(kept_ops)
def test_kept_acknowledged_rows_match_a_model(operations: list[tuple[str, int]]) -> None:
    """With ``keep_acked``: an ack takes a row out of the queue but keeps it, a requeue of
    rows acknowledged since a time brings exactly those back with their ids, a reopen
    changes nothing. Acks are stamped with a fake clock ``t`` (one tick per operation)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "o"
        box = Outbox(path, keep_acked=1000)
        pending: dict[int, bytes] = {}
        kept: dict[int, tuple[bytes, float]] = {}
        for t, (op, arg) in enumerate(operations):
            if op == "put":
                new_id = box.enqueue("t", bytes([arg]) * arg)
                assert new_id not in pending and new_id not in kept
                pending[new_id] = bytes([arg]) * arg
            elif op == "ack":
                assert box.ack([arg], now=float(t)) == (1 if arg in pending else 0)
                if arg in pending:
                    kept[arg] = (pending.pop(arg), float(t))
            elif op == "requeue":
                since = float(t - arg)
                back = sorted(i for i, (_, at) in kept.items() if at >= since)
                assert box.requeue_acked_since(since) == back
                for i in back:
                    pending[i] = kept.pop(i)[0]
            else:
                box.close()
                box = Outbox(path, keep_acked=1000)
            assert {m.id: m.payload for m in box.peek(limit=100)} == pending
            assert len(box) == len(pending)
            assert box.pending_bytes == sum(map(len, pending.values()))
            newest = max((at for _, at in kept.values()), default=None)
            assert box.last_ack_time == newest
        box.close()


def test_kept_rows_are_deleted_after_keep_acked(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o", keep_acked=10) as box:
        a, b, c = (box.enqueue("t", b"x") for _ in range(3))
        box.ack([a], now=100.0)
        box.ack([b], now=105.0)
        box.ack([c], now=112.0)  # purges what was acknowledged before 102: a
        assert box.requeue_acked_since(0.0) == [b, c]
        assert [m.id for m in box.peek()] == [b, c]
    with Outbox(tmp_path / "p") as box:  # keep_acked=0 (the default): acks delete
        i = box.enqueue("t", b"x")
        box.ack([i], now=1.0)
        assert box.requeue_acked_since(0.0) == [] and box.last_ack_time is None
    with pytest.raises(ValueError, match="keep_acked"):
        Outbox(tmp_path / "q", keep_acked=-1)


def test_file_from_before_kept_rows_is_migrated(tmp_path: Path) -> None:
    """An outbox file written by a version without the ``acked`` column opens with its
    pending rows intact and can keep acknowledged rows from then on."""
    import sqlite3

    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL,"
        " payload BLOB NOT NULL, qos INTEGER NOT NULL, retain INTEGER NOT NULL,"
        " created REAL NOT NULL);"
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "INSERT INTO meta VALUES ('epoch', 'a1b2c3d4e5f6');"
        "INSERT INTO outbox VALUES (7, 't', x'6869', 1, 0, 0.0);"
    )
    db.commit()
    db.close()
    with Outbox(path, keep_acked=60) as box:
        assert box.epoch == "a1b2c3d4e5f6" and len(box) == 1
        assert [(m.id, m.payload) for m in box.peek()] == [(7, b"hi")]
        box.ack([7], now=50.0)
        assert len(box) == 0 and box.requeue_acked_since(49.0) == [7]
