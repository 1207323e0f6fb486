"""Wire form of report batches, de-duplication, batching and settings (no broker needed)."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iotedge.adapters.mqtt import (
    Deduplicator,
    MqttSettings,
    ReportBatcher,
    batch_handler,
    decode_batch,
    encode_batch,
    info_topic,
    reports_topic,
    status_topic,
)
from iotedge.core.errors import IotEdgeError, PayloadError

json_items = st.lists(
    st.one_of(
        st.integers(-(2**53), 2**53),
        st.text(max_size=8),
        st.dictionaries(st.text(max_size=4), st.integers(-100, 100), max_size=3),
    ),
    max_size=20,
)


@given(st.text(min_size=1, max_size=20), st.integers(1, 2**62), json_items)
def test_batch_round_trip(src: str, seq: int, items: list[object]) -> None:
    payload = encode_batch(src, seq, "gw-1", items, sent=1700000000.25)
    batch = decode_batch(payload)
    assert (batch.src, batch.seq, batch.gw, batch.sent, batch.items) == (
        src,
        seq,
        "gw-1",
        1700000000.25,
        items,
    )
    assert batch.message_id == (src, seq)


def test_batch_exact_bytes() -> None:
    # The documented example of docs/mqtt.md, byte for byte.
    payload = encode_batch("iotedge-gw-01/5f2a9c0d11e3", 42, "gw-01", [{"n": 1}], 1700000000.5)
    assert payload == (
        b'{"v":1,"src":"iotedge-gw-01/5f2a9c0d11e3","seq":42,"gw":"gw-01",'
        b'"sent":1700000000.5,"items":[{"n":1}]}'
    )


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"\xff\xfe", "not-json"),
        (b"not json", "not-json"),
        (b"[1,2]", "bad-envelope"),
        (b'{"v":2,"src":"a","seq":1,"gw":"g","sent":0,"items":[]}', "bad-version"),
        (b'{"v":1,"src":"","seq":1,"gw":"g","sent":0,"items":[]}', "bad-field"),
        (b'{"v":1,"src":"a","seq":0,"gw":"g","sent":0,"items":[]}', "bad-field"),
        (b'{"v":1,"src":"a","seq":true,"gw":"g","sent":0,"items":[]}', "bad-field"),
        (b'{"v":1,"src":"a","seq":1,"gw":5,"sent":0,"items":[]}', "bad-field"),
        (b'{"v":1,"src":"a","seq":1,"gw":"g","sent":"x","items":[]}', "bad-field"),
        (b'{"v":1,"src":"a","seq":1,"gw":"g","sent":0,"items":{}}', "bad-field"),
    ],
)
def test_decode_rejects_malformed(payload: bytes, reason: str) -> None:
    with pytest.raises(PayloadError) as info:
        decode_batch(payload)
    assert info.value.reason == reason
    assert isinstance(info.value, IotEdgeError)


@settings(max_examples=50)
@given(st.integers(1, 300), st.integers(0, 2**32), st.integers(4, 64))
def test_dedupe_accepts_each_id_once(n: int, seed: int, window: int) -> None:
    """Reordered deliveries with repeats: each (src, seq) passes exactly once."""
    rng = random.Random(seed)
    deliveries = [(src, seq) for src in ("a", "b") for seq in range(1, n + 1)]
    deliveries += rng.sample(deliveries, k=len(deliveries) // 3)  # redeliveries
    # Redeliveries stay close to the original, as after a reconnect: shuffle locally.
    deliveries.sort(key=lambda d: d[1] + rng.randint(0, window // 2))
    dedupe = Deduplicator(window=window)
    passed = [d for d in deliveries if not dedupe.seen_before(*d)]
    assert sorted(passed) == sorted(set(deliveries))
    assert dedupe.duplicates == len(deliveries) - len(passed)


def test_batch_handler_drops_repeats() -> None:
    got: list[int] = []
    handle = batch_handler(lambda topic, b: got.append(b.seq), Deduplicator())
    for seq in (1, 2, 2, 3, 1):
        handle("t", encode_batch("s", seq, "g", [], 0.0))
    assert got == [1, 2, 3]
    with pytest.raises(PayloadError):
        handle("t", b"{}")


def test_report_batcher_size_and_time() -> None:
    now = [0.0]
    out: list[list[int]] = []
    batcher = ReportBatcher(out.append, max_items=3, max_delay=0.5, clock=lambda: now[0])
    for i in range(7):
        batcher.add(i)
    assert out == [[0, 1, 2], [3, 4, 5]] and len(batcher) == 1
    now[0] = 0.49
    batcher.poll()
    assert len(out) == 2
    now[0] = 0.5  # the partial batch's deadline counts from its first item
    batcher.poll()
    assert out[-1] == [6] and batcher.batches == 3
    batcher.poll()
    assert len(out) == 3
    with pytest.raises(ValueError):
        ReportBatcher(out.append, max_items=0)


def test_settings_from_url() -> None:
    s = MqttSettings.from_url("mqtts://u%40x:p%3Aw@broker.example:8884", protocol="3.1.1")
    assert (s.host, s.port, s.tls, s.username, s.password, s.protocol) == (
        "broker.example",
        8884,
        True,
        "u@x",
        "p:w",
        "3.1.1",
    )
    assert MqttSettings.from_url("mqtt://10.0.0.2").port == 1883
    with pytest.raises(ValueError):
        MqttSettings.from_url("http://x")
    with pytest.raises(TypeError):
        MqttSettings.from_url("mqtt://x", nope=1)


def test_topics() -> None:
    assert status_topic("iotedge", "gw-01") == "iotedge/gateway/gw-01/status"
    assert info_topic("iotedge", "gw-01") == "iotedge/gateway/gw-01/info"
    assert reports_topic("iotedge", "gw-01") == "iotedge/gateway/gw-01/reports"
    assert json.loads(encode_batch("s", 1, "g", iter([1, 2]), 0))["items"] == [1, 2]
