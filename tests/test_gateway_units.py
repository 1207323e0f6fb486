"""Gateway apps without a broker: config, pseudonyms, advert decoding, relay, presence.

A ``FakeLink`` stands in for MqttLink (it records what would be published), so each
piece is checked exactly; the tests against a real mosquitto are in
test_gateway_e2e.py and test_gateway_faults.py.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iotedge.adapters.ha_discovery import DiscoveryPublisher
from iotedge.adapters.mqtt import LinkStats, ReportBatch, encode_batch
from iotedge.alerts.keys import SigningKey
from iotedge.alerts.signer import sign_frames
from iotedge.core import badge, bthome_encode, nodeconf2018_encode
from iotedge.core.alert_encode import encode_body
from iotedge.core.alert_frame import SCHEME_HMAC
from iotedge.core.alert_messages import TYPE_ALERT, TYPE_REVOKE
from iotedge.core.errors import ConfigError, PayloadError
from iotedge.gateway import heatmap, topics
from iotedge.gateway.adverts import KIND_BADGE, KIND_BTHOME, KIND_NODECONF, decode_advert
from iotedge.gateway.alert_relay import AlertRelay, parse_alert_payload, seconds_left
from iotedge.gateway.badge_gateway import BadgeGateway
from iotedge.gateway.config import GatewayConfig, load_config, override, validate
from iotedge.gateway.presence_service import PresenceService, ReportClock
from iotedge.gateway.pseudonym import (
    Pseudonymiser,
    PseudonymKey,
    epoch_of,
    ratchet,
    shard_of,
)
from iotedge.gateway.runner import make_link, make_presence
from iotedge.gateway.sensor_entities import SensorEntities
from iotedge.hal.radio import Advertisement
from iotedge.hal.sim_radio import SimAdvertiser, SimAir, SimScanner

NOW = 1767225600.0  # 2026-01-01T00:00Z
Rows = list[tuple[str, dict[str, Any]]]
DAY = 86400.0


class FakeLink:
    """Records publications as (topic, payload, qos, retain) or (topic, items)."""

    def __init__(self) -> None:
        self.batches: list[tuple[str, list[Any]]] = []
        self.messages: list[tuple[str, bytes, int, bool]] = []
        self.subs: dict[str, Any] = {}

    def publish_batch(self, topic: str, items: list[Any]) -> int:
        self.batches.append((topic, list(items)))
        return len(self.batches)

    def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> int:
        self.messages.append((topic, payload, qos, retain))
        return len(self.messages)

    def publish_direct(
        self, topic: str, payload: bytes, qos: int = 0, retain: bool = False
    ) -> object:
        self.messages.append((topic, payload, qos, retain))
        return None

    def subscribe(self, topic_filter: str, handler: Any, qos: int = 1) -> None:
        self.subs[topic_filter] = handler

    def retained(self) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        for topic, payload, _qos, retain in self.messages:
            if retain:
                out[topic] = payload
        return {t: p for t, p in out.items() if p}


def _key(epoch: int = 0) -> PseudonymKey:
    return PseudonymKey(bytes(range(32)), epoch)


# -- configuration ------------------------------------------------------------------------


def test_config_file_and_flags(tmp_path: Path) -> None:
    path = tmp_path / "gw.toml"
    path.write_text(
        """
        [gateway]
        id = "gw-07"
        state_dir = "state"
        [mqtt]
        url = "mqtt://broker:1884"
        protocol = "3.1.1"
        redeliver_window = 60
        [badge]
        shards = 3
        batch_delay = 1
        bthome_keys = { "A4:C1:38:00:00:01" = "231d39c1d7cc1ab1aee224cd096db932" }
        [presence]
        venue = "venue.json"
        [presence.estimator]
        temper = 0.6
        move_bounds = [60, 3600]
        stat = "median"
        [relay]
        enabled = true
        """
    )
    cfg = load_config(path)
    assert (cfg.id, cfg.mqtt.url, cfg.mqtt.protocol) == ("gw-07", "mqtt://broker:1884", "3.1.1")
    assert cfg.badge.shards == 3 and cfg.badge.batch_delay == 1.0
    assert isinstance(cfg.badge.batch_delay, float)
    assert cfg.relay.enabled is True
    assert make_link(cfg, "gw-07").settings.redeliver_window == 60.0
    # relative paths follow the file
    assert cfg.state_dir == str(tmp_path / "state")
    assert cfg.presence.venue == str(tmp_path / "venue.json")
    # estimator settings typed like the estimator's defaults
    assert cfg.presence.estimator == {
        "temper": 0.6,
        "move_bounds": (60.0, 3600.0),
        "stat": "median",
    }
    assert cfg.state_path("k.key") == tmp_path / "state" / "k.key"
    override(cfg, "mqtt.url", "mqtt://other:1")
    override(cfg, "badge.shards", None)  # an absent flag changes nothing
    assert cfg.mqtt.url == "mqtt://other:1" and cfg.badge.shards == 3
    # a flag setting the estimator's table is checked as the file's table is
    override(cfg, "presence.estimator", {"sigma": 5})
    assert cfg.presence.estimator == {"sigma": 5.0}
    with pytest.raises(ConfigError) as err:
        override(cfg, "presence.estimator", {"sigma": "x"})
    assert err.value.reason == "bad-value" and "'sigma'" in str(err.value)


@pytest.mark.parametrize(
    "text,reason,where",
    [
        ("[mqtt]\nurll = 'x'", "unknown-key", "mqtt.urll"),
        ("[radios]\nkind = 'bleak'", "unknown-key", "radios"),
        ("[badge]\nshards = '3'", "bad-type", "badge.shards"),
        ("[relay]\nenabled = 1", "bad-type", "relay.enabled"),
        ("[badge]\nshards = 0", "bad-value", "badge"),
        ("[radio]\nkind = 'bluetooth'", "bad-value", "radio.kind"),
        ("[presence]\nshard = 3\nshards = 3", "bad-value", "presence"),
        ("[sensor]\ninterval = 1.0", "bad-value", "sensor.interval"),
        ("[badge]\nbthome_keys = { x = 'zz' }", "bad-value", "bthome_keys"),
        ("[gateway]\nid = 'a/b'", "bad-value", "gateway.id"),
        ("[mqtt]\nredeliver_window = -1", "bad-value", "mqtt.redeliver_window"),
        ("[gateway\nid = 'x'", "bad-toml", ""),
        ("[presence.estimator]\ntemperr = 0.5", "bad-value", "presence.estimator"),
        ("[presence.estimator]\ntemper = 'x'", "bad-value", "'temper'"),
        ("[presence.estimator]\ntemper = 1.5", "bad-value", "temper must be in (0, 1]"),
        ("[presence.estimator]\nmove_bounds = [60]", "bad-value", "'move_bounds'"),
        ("[presence.estimator]\nforget_after = 60.0", "unknown-key", "presence.forget_after"),
        ("[presence]\nestimator = 3", "bad-type", "[presence.estimator]"),
    ],
)
def test_config_errors_name_the_setting(tmp_path: Path, text: str, reason: str, where: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert err.value.reason == reason
    assert where in str(err.value)


def test_config_defaults_and_missing_file(tmp_path: Path) -> None:
    cfg = load_config(None)
    assert cfg == GatewayConfig()
    validate(cfg)
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "nope.toml")
    assert err.value.reason == "missing"
    with pytest.raises(ConfigError):
        override(cfg, "radio.nope", 1)


# -- pseudonyms -----------------------------------------------------------------------------


def test_pseudonym_is_keyed_blake2s_and_stable() -> None:
    p = Pseudonymiser(_key(), clock=lambda: 0.0)
    epoch, pid = p(b"badge:17", 100.0)
    assert epoch == 0
    expected = hashlib.blake2s(b"badge:17", key=bytes(range(32)), digest_size=8, person=b"pseudo01")
    assert pid == expected.hexdigest()
    assert p(b"badge:17", 200.0) == (0, pid)
    assert p(b"badge:18", 200.0)[1] != pid
    other = Pseudonymiser(PseudonymKey(bytes(32), 0), clock=lambda: 0.0)
    assert other(b"badge:17", 100.0)[1] != pid  # another venue's key


def test_rotation_ratchets_forward_and_persists(tmp_path: Path) -> None:
    path = tmp_path / "pseudonym.key"
    key = PseudonymKey.open(path, NOW, DAY, 4 * 3600)
    k0 = key.key
    e0 = epoch_of(NOW, DAY, 4 * 3600)
    assert key.epoch == e0 and path.exists() and (path.stat().st_mode & 0o777) == 0o600
    copy = PseudonymKey.load(path)  # a second gateway of the venue
    p1, p2 = Pseudonymiser(key), Pseudonymiser(copy)
    before = p1(b"badge:1", NOW)
    boundary = (e0 + 1) * DAY + 4 * 3600
    after = p1(b"badge:1", boundary + 1)
    assert after[0] == e0 + 1 and after[1] != before[1]
    assert p1.rotations == 1
    # the copy catches up on its own and agrees
    assert p2(b"badge:1", boundary + 5) == after
    # the file moved forward: the old key is gone from disk
    on_disk = PseudonymKey.load(path)
    assert (on_disk.epoch, on_disk.key) == (e0 + 1, ratchet(k0))
    assert k0.hex() not in path.read_text()
    # the clock going back cannot bring the old key back
    assert p1(b"badge:1", NOW)[0] == e0 + 1


def test_ratchet_is_the_documented_step() -> None:
    k0 = bytes(range(32))
    key = PseudonymKey(k0, 5)
    assert key.advance_to(7)
    k1 = hashlib.blake2s(b"iotedge/pseudonym/next", key=k0, person=b"ratchet1").digest()
    k2 = hashlib.blake2s(b"iotedge/pseudonym/next", key=k1, person=b"ratchet1").digest()
    assert (key.epoch, key.key) == (7, k2)
    assert not key.advance_to(6)


def test_bad_key_file(tmp_path: Path) -> None:
    path = tmp_path / "k"
    path.write_text('{"format": "nope"}')
    with pytest.raises(ConfigError):
        PseudonymKey.load(path)


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=1, max_size=24), st.integers(1, 64))
def test_shards_cover_and_agree(identity: bytes, shards: int) -> None:
    p = Pseudonymiser(_key(), clock=lambda: 0.0)
    _, pid = p(identity, 1.0)
    assert re.fullmatch(r"[0-9a-f]{16}", pid)
    k = shard_of(pid, shards)
    assert 0 <= k < shards
    assert shard_of(pid, shards) == k  # every gateway agrees


def test_shards_are_balanced() -> None:
    p = Pseudonymiser(_key(), clock=lambda: 0.0)
    counts = [0, 0, 0]
    for i in range(3000):
        counts[shard_of(p(b"badge:%d" % i, 1.0)[1], 3)] += 1
    assert all(900 < c < 1100 for c in counts), counts


# -- advert decoding ------------------------------------------------------------------------

ADDR = "C0:11:22:33:44:55"


def test_decode_badge_bthome_nodeconf_and_foreign() -> None:
    d = decode_advert(badge.encode(4242, 7, 88, 2312, 405, 45), ADDR)
    assert d is not None and d.kind == KIND_BADGE and d.identity == b"badge:4242"
    assert d.fields == {"pkt": 7, "bat": 88, "temp": 2312, "claps": 405, "hum": 45}
    sd = bthome_encode.encode([(0x02, 2150), (0x03, 4560)])  # a sensor: no badge id
    sensor = b"\x02\x01\x06" + bytes([len(sd) + 3, 0x16, 0xD2, 0xFC]) + sd
    d = decode_advert(sensor, ADDR)
    assert d is not None and d.kind == KIND_BTHOME and d.identity == b"mac:" + ADDR.encode()
    assert d.fields["values"] == {"temperature": 21.5, "humidity": 45.6}
    beacon = nodeconf2018_encode.advert(nodeconf2018_encode.badge_json(23, 4))
    d = decode_advert(beacon, ADDR)
    assert d is not None and d.kind == KIND_NODECONF
    assert d.fields == {"temp": 2300, "claps10s": 4}
    assert decode_advert(bytes.fromhex("02010607ff4c0010020118"), ADDR) is None  # Apple
    assert decode_advert(b"", ADDR) is None


def test_decode_malformed_raises_typed_errors() -> None:
    from iotedge.core.errors import IotEdgeError

    good = badge.encode(1, 1, 80, 2000, 0)
    for bad in (good[:-3], good[:8], bytes([0x20]) + good[1:], b"\x05\x16\xd2\xfc\x40\x02"):
        with pytest.raises(IotEdgeError):
            decode_advert(bad, ADDR)


# -- badge gateway ---------------------------------------------------------------------------


def test_badge_gateway_reports_and_skips(caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> tuple[BadgeGateway, FakeLink]:
        air = SimAir(rssi=lambda a, g: -61, clock=lambda: NOW + 0.25)
        link = FakeLink()
        gw = BadgeGateway(
            "gw-01",
            link,
            Pseudonymiser(_key(epoch_of(NOW, DAY, 4 * 3600))),
            shards=2,
            batch_items=3,
            batch_delay=10,
        )
        scanner = SimScanner(air, "gw-01")
        await scanner.start(gw.on_advert)
        for i in range(10):
            air.transmit(f"C0:00:00:00:00:{i:02X}", badge.encode(100 + i, i, 90, 2100, i))
        air.transmit(ADDR, bytes.fromhex("02010607ff4c0010020118"))  # ignored
        scanner.deliver(Advertisement(ADDR, -70, b"\x05\x16\xd2\xfc\x40", NOW, "gw-01"))
        scanner.deliver(Advertisement(ADDR, -70, b"\x09\xff\x90\x05{bad", NOW, "gw-01"))
        gw.flush()
        return gw, link

    with caplog.at_level(logging.WARNING):
        gw, link = asyncio.run(scenario())
    s = gw.stats
    assert (s.adverts, s.reports, s.ignored) == (13, 10, 1)
    assert sum(s.malformed.values()) == 2 and "malformed advert" in caplog.text
    items = [item for _topic, batch in link.batches for item in batch]
    assert len(items) == 10 and s.batches == len(link.batches)
    for topic, batch in link.batches:
        shard = int(topic.rsplit("/", 1)[1])
        assert topic == f"iotedge/gateway/gw-01/reports/{shard}"
        assert all(shard_of(item["id"], 2) == shard for item in batch)
    first = min(items, key=lambda it: it["pkt"])
    assert first == {
        "id": first["id"],
        "e": epoch_of(NOW, DAY, 4 * 3600),
        "ts": NOW + 0.25,
        "rssi": -61,
        "kind": "badge",
        "pkt": 0,
        "bat": 90,
        "temp": 2100,
        "claps": 0,
    }
    assert "badge:" not in json.dumps(items) and "C0:00" not in json.dumps(items)
    gw.publish_stats()
    stats = json.loads(link.retained()["iotedge/gateway/gw-01/stats"])
    assert stats["reports"] == 10 and stats["gateway"] == "gw-01"


# -- alert relay ------------------------------------------------------------------------------


def _frames(
    text: str = "Fire drill at 11:00", ttl: int = 30, now: float = NOW, counter: int = 9
) -> list[bytes]:
    key = SigningKey.generate(SCHEME_HMAC)
    body = encode_body(TYPE_ALERT, {"text": text, "ttl": ttl, "issued": int(now // 60) & 0xFFFF})
    return sign_frames(key, key.active, counter, TYPE_ALERT, body)


def test_alert_payload_forms() -> None:
    frames = _frames()
    text = "\n".join(f.hex() for f in frames).encode()
    assert parse_alert_payload(text).frames == tuple(frames)
    doc = json.dumps({"v": 1, "frames": [f.hex() for f in frames], "ttl": 60}).encode()
    parsed = parse_alert_payload(doc)
    assert parsed.frames == tuple(frames) and parsed.ttl == 60.0 and parsed.counter == 9
    bad = [
        (b"{nope", "not-json"),
        (b'{"v": 2, "frames": []}', "bad-version"),
        (b'{"v": 1, "frames": "00"}', "bad-field"),
        (b"zz", "bad-field"),
        (frames[0].hex().encode() + b"00" * 20, "bad-field"),  # longer than 31
        (b"02010607ff4c0010020118", "bad-field"),  # not our company
        (b"0201061aff4c00" + b"00" * 8, "bad-field"),  # broken AD structure
        ((frames[0].hex() + "\n" + _frames(counter=10)[0].hex()).encode(), "bad-field"),
    ]
    for payload, reason in bad:
        with pytest.raises(PayloadError) as err:
            parse_alert_payload(payload)
        assert err.value.reason == reason, payload


def test_alert_ttl_comes_from_the_signed_body() -> None:
    frames = tuple(_frames(ttl=30, now=NOW))
    assert seconds_left(frames, NOW, 0xFFFF) == 1800.0
    assert seconds_left(frames, NOW + 125, 0xFFFF) == 1800.0 - 125
    assert seconds_left(frames, NOW + 1800, 0xFFFF) == 0.0
    assert seconds_left(frames[1:], NOW, 0xFFFF) is None  # first fragment missing
    key = SigningKey.generate(SCHEME_HMAC)
    revoke = sign_frames(key, 1, 3, TYPE_REVOKE, encode_body(TYPE_REVOKE, {"key_ids": [2]}))
    assert seconds_left(tuple(revoke), NOW, 0xFFFF) is None  # ttl 0: no expiry


def test_relay_puts_frames_on_air_unchanged_and_cancels() -> None:
    clock = [NOW]

    async def scenario() -> tuple[AlertRelay, list[bytes], list[list[bytes]]]:
        air = SimAir(clock=lambda: clock[0])
        heard: list[bytes] = []
        rx = SimScanner(air, "badge")
        await rx.start(lambda adv: heard.append(adv.data))
        adv = SimAdvertiser(
            air, "F0:00:00:00:00:01", interval=0.005, slot=0.01, clock=lambda: clock[0]
        )
        relay = AlertRelay(adv, max_ttl=600, clock=lambda: clock[0])
        await adv.start()
        frames = _frames()
        relay.handle("iotedge/alerts/a", "\n".join(f.hex() for f in frames).encode())
        relay.handle("iotedge/alerts/junk", b"not hex at all")
        relay.handle(
            "iotedge/alerts/old", "\n".join(f.hex() for f in _frames(now=NOW - 3600)).encode()
        )
        await asyncio.sleep(0.3)
        seen = [list(relay.current_frames())]
        relay.handle("iotedge/alerts/a", b"")  # cancelled by the back-end
        await asyncio.sleep(0.05)
        heard.clear()
        await asyncio.sleep(0.1)
        seen.append(list(relay.current_frames()))
        await adv.stop()
        return relay, heard, [frames, *seen]

    relay, heard_after_cancel, (frames, live, after) = asyncio.run(scenario())
    assert live == frames and after == []
    assert heard_after_cancel == []
    s = relay.stats
    assert (s.messages, s.frames, s.malformed, s.expired, s.cancelled) == (1, len(frames), 1, 1, 1)


def test_relay_broadcasts_each_frame_exactly_as_signed() -> None:
    async def scenario() -> tuple[list[bytes], list[bytes]]:
        air = SimAir()
        heard: list[bytes] = []
        rx = SimScanner(air, "badge")
        await rx.start(lambda adv: heard.append(adv.data))
        adv = SimAdvertiser(air, "F0:00:00:00:00:01", interval=0.005, slot=0.02)
        relay = AlertRelay(adv)
        await adv.start()
        frames = _frames("Evacuate Hall A now, use exit B", now=__import__("time").time())
        relay.handle(
            "iotedge/alerts/x", json.dumps({"v": 1, "frames": [f.hex() for f in frames]}).encode()
        )
        await asyncio.sleep(0.4)
        await adv.stop()
        return frames, heard

    frames, heard = asyncio.run(scenario())
    assert set(heard) == set(frames)


# -- presence service ---------------------------------------------------------------------------

VENUE = {
    "rooms": ["hall", "lab"],
    "adjacent": [["hall", "lab"]],
    "gateways": {"g1": {"room": "hall"}, "g2": {"room": "lab"}},
}


def test_presence_app_builds_its_estimator_from_the_config(tmp_path: Path) -> None:
    """[presence.estimator] reaches the estimator the presence app runs, and the
    estimator's own forget_after stays the [presence] key."""
    (tmp_path / "venue.json").write_text(json.dumps(VENUE))
    (tmp_path / "gw.toml").write_text(
        '[presence]\nvenue = "venue.json"\nforget_after = 600\ndiscovery = false\n'
        "[presence.estimator]\ntemper = 0.6\nmove_memory = 60\n"
    )
    cfg = load_config(tmp_path / "gw.toml")
    link = FakeLink()
    link.stats = LinkStats()  # type: ignore[attr-defined]  # what the handlers count into
    loop = asyncio.new_event_loop()
    try:
        service = make_presence(cfg, link, loop)  # type: ignore[arg-type]
    finally:
        loop.close()
    assert service.settings == {"temper": 0.6, "move_memory": 60.0, "forget_after": 600.0}
    assert service.estimator.emission._p[4] == 0.6  # the temper the scores use
    assert service.estimator._k.mv[5] == 60.0  # the move rate's memory
    assert service.estimator._s[3] == 600.0


def _batch(seq: int, gw: str, items: list[Any], src: str = "iotedge-g/abc") -> ReportBatch:
    return ReportBatch(src, seq, gw, NOW, items)


def _items(pid: str, t0: float, near: str, epoch: int = 5, claps: int = 0) -> Rows:
    """A 3-second burst heard strongly by the gateway of room ``near``."""
    out = []
    for k in range(9):
        ts = t0 + k * 0.33
        for gw in ("g1", "g2"):
            rssi = -58 if gw == near else -86
            out.append(
                (
                    gw,
                    {
                        "id": pid,
                        "e": epoch,
                        "ts": ts,
                        "rssi": rssi,
                        "kind": "badge",
                        "temp": 2300,
                        "claps": claps + k,
                    },
                )
            )
    return out


def _feed(service: PresenceService, rows: Rows) -> None:
    for gw, item in rows:
        service.add_item(gw, item)


def test_presence_rooms_badges_and_totals() -> None:
    link = FakeLink()
    svc = PresenceService(VENUE, link, hold=2.0, clock=lambda: NOW)
    a, b = "0123456789abcdef", "fedcba9876543210"
    for minute in range(5):
        _feed(svc, _items(a, NOW + 60 * minute, "g1", claps=minute * 10))
        _feed(svc, _items(b, NOW + 60 * minute + 7, "g2"))
    end = NOW + 300
    svc.step(end)
    svc.publish(end)
    retained = link.retained()
    room_a = json.loads(retained[f"iotedge/presence/badge/{a}"])
    room_b = json.loads(retained[f"iotedge/presence/badge/{b}"])
    assert room_a["room"] == "hall" and room_b["room"] == "lab"
    assert room_a["confidence"] > 0.8 and room_a["gateways"] == 2
    hall = json.loads(retained["iotedge/presence/room/hall"])
    rooms = json.loads(retained["iotedge/presence/rooms"])
    assert rooms["rooms"]["hall"] == {k: v for k, v in hall.items() if k in rooms["rooms"]["hall"]}
    assert 0.8 < hall["count"] < 1.2 and hall["low"] <= hall["count"] <= hall["high"]
    assert hall["temperature"] == 23.0 and rooms["badges"] == 2
    part = json.loads(retained["iotedge/presence/shard/0"])
    est = svc.estimator.occupancy()
    assert part["rooms"]["lab"]["mean"] == pytest.approx(est["lab"][0], abs=1e-4)
    assert svc.stats.items == 180 and svc.stats.malformed_items == 0


def test_presence_publish_asks_each_badge_once_per_cycle() -> None:
    # During an open burst badge_state scores the burst (the provisional view), so
    # a publish cycle takes one snapshot and hands it to every consumer.
    link = FakeLink()
    svc = PresenceService(VENUE, link, hold=2.0, clock=lambda: NOW)
    badges = ["0123456789abcdef", "fedcba9876543210", "00000000000000aa"]
    for minute in range(3):
        for k, pid in enumerate(badges):
            _feed(svc, _items(pid, NOW + 60 * minute + 5 * k, "g1"))
    asked: list[str] = []
    real = svc.estimator.badge_state

    def counting(pid: str) -> tuple[str, float, int]:
        asked.append(pid)
        return real(pid)

    svc.estimator.badge_state = counting  # type: ignore[method-assign]
    svc.step(NOW + 180)
    svc.publish(NOW + 180)
    assert sorted(asked) == sorted(badges)
    rooms = json.loads(link.retained()["iotedge/presence/rooms"])
    assert rooms["badges"] == 3 and rooms["rooms"]["hall"]["temperature"] == 23.0


def test_presence_skips_bad_items_wrong_shards_and_old_epochs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    link = FakeLink()
    svc = PresenceService(VENUE, link, shard=1, shards=2, clock=lambda: NOW)
    ids = [hashlib.blake2s(bytes([i]), digest_size=8).hexdigest() for i in range(20)]
    mine = next(i for i in ids if shard_of(i, 2) == 1)
    other = next(i for i in ids if shard_of(i, 2) == 0)
    good = {"id": mine, "e": 5, "ts": NOW, "rssi": -60}
    with caplog.at_level(logging.WARNING):
        for bad in (
            None,
            [],
            {"id": mine},
            dict(good, rssi="x"),
            dict(good, id="zz" * 8),
            dict(good, ts=float("nan")),
            dict(good, rssi=True),
            dict(good, e=1.5),
        ):
            svc.add_item("g1", bad)
        svc.add_item("g1", dict(good, id=other))
        svc.add_item("g1", good)
        svc.add_item("g9", dict(good, ts=NOW + 1))  # not in the venue
        svc.add_item("g1", dict(good, e=4))  # an older epoch
    s = svc.stats
    assert (s.malformed_items, s.wrong_shard, s.items, s.unknown_gateway, s.old_epoch) == (
        8,
        1,
        1,
        1,
        1,
    )
    assert "malformed report item" in caplog.text and "another shard" in caplog.text
    with pytest.raises(PayloadError):
        svc.handle("t", b"not json")
    payload = encode_batch("src/1", 1, "g1", [dict(good, ts=NOW + 2)], NOW)
    svc.handle("t", payload)
    svc.handle("t", payload)  # a redelivery
    assert (s.batches, s.duplicates, s.items) == (1, 1, 2)


def test_presence_epoch_rotation_starts_fresh_and_clears_badges() -> None:
    link = FakeLink()
    svc = PresenceService(VENUE, link, hold=1.0, clock=lambda: NOW)
    old = "00000000000000aa"
    _feed(svc, _items(old, NOW, "g1", epoch=5))
    svc.step(NOW + 30)
    svc.publish(NOW + 30)
    assert f"iotedge/presence/badge/{old}" in link.retained()
    new = "00000000000000bb"
    _feed(svc, _items(new, NOW + 60, "g1", epoch=6))
    svc.step(NOW + 90)
    svc.publish(NOW + 90)
    retained = link.retained()
    assert f"iotedge/presence/badge/{old}" not in retained  # cleared with an empty payload
    assert f"iotedge/presence/badge/{new}" in retained
    assert svc.stats.rotations == 1 and svc.epoch == 6
    assert svc.estimator.badges() == [new]


def test_aggregator_sums_shards() -> None:
    link = FakeLink()
    agg = PresenceService(VENUE, link, shard=0, shards=3, clock=lambda: NOW)
    for k, (hall, var) in ((1, (10.0, 1.0)), (2, (5.0, 3.0))):
        doc = {
            "v": 1,
            "shard": k,
            "shards": 3,
            "ts": NOW,
            "badges": 15,
            "rooms": {
                "hall": {"mean": hall, "var": var, "claps": 7, "temp_sum": 46.0, "temp_n": 2},
                "lab": {"mean": 0.0, "var": 0.0, "claps": 0, "temp_sum": 0.0, "temp_n": 0},
            },
        }
        agg.handle_partial(f"iotedge/presence/shard/{k}", json.dumps(doc).encode())
    with pytest.raises(PayloadError):
        agg.handle_partial("iotedge/presence/shard/9", b'{"v": 1}')
    agg.publish(NOW)
    hall = json.loads(link.retained()["iotedge/presence/room/hall"])
    assert hall["count"] == 15.0 and hall["shards_reporting"] == 3
    assert hall["high"] == pytest.approx(15.0 + 1.96 * 2.0, abs=0.01)
    assert hall["claps_per_min"] == 14 and hall["temperature"] == 23.0


def test_report_clock_follows_reports() -> None:
    wall = [100.0]
    clock = ReportClock(lambda: wall[0])
    assert clock() == float("-inf")
    clock.observe(NOW)
    clock.observe(NOW - 5)
    wall[0] += 2.0
    assert clock() == NOW + 2.0


# -- heatmap and topics -----------------------------------------------------------------------


def test_heatmap_renders_rooms_gateways_and_plain_text() -> None:
    rooms = [
        heatmap.RoomView("hall", 100.0, (0, 0, 20, 10), est=60.0, low=55.0, high=65.0, true=58),
        heatmap.RoomView("lab", 50.0, (20, 0, 30, 10), est=2.0, true=2, sensor_temp=21.5),
    ]
    gws = [heatmap.GatewayView("g1", 5, 5, True), heatmap.GatewayView("g2", 25, 5, False)]
    view = heatmap.DashboardView("title", "", rooms, gws, ["alert: x"])
    screen = heatmap.render_ansi(view)
    bare = re.sub(r"\x1b\[[0-9;]*[mHJ]", "", screen)
    assert "hall" in bare and "60" in bare and "◆" in bare and "×" in bare
    assert f"48;5;{heatmap.heat_colour(0.6)}" in screen  # the hall's density colour
    plain = heatmap.render_plain(view)
    assert "\x1b" not in plain
    assert re.search(r"hall\s+60\.0\s+55\.0- 65\.0\s+58", plain)
    assert "gateways online 1/2 (offline: g2)" in plain
    assert heatmap.heat_colour(0.0) == 236 and heatmap.heat_colour(2.0) == 160


def test_topics() -> None:
    assert topics.room_slug("Hall A / West") == "hall-a-west"
    assert topics.reports("p", "gw-1", 2) == "p/gateway/gw-1/reports/2"
    assert topics.reports_filter("p", 2) == "p/gateway/+/reports/2"
    assert topics.presence_room("p", "Hall A") == "p/presence/room/hall-a"


def test_frame_budget_refused_by_advertiser() -> None:
    adv = SimAdvertiser(SimAir(), "F0:00:00:00:00:01")
    relay = AlertRelay(adv, clock=lambda: NOW)
    for n in range(40):  # more messages than the rotation holds (32 frames)
        relay.handle(f"iotedge/alerts/{n}", "\n".join(f.hex() for f in _frames(str(n))).encode())
    assert relay.stats.refused > 0 and len(adv.rotation) <= 32
    relay.handle("iotedge/alerts/0", b"")  # a cancellation makes room again
    refused = relay.stats.refused
    relay.handle("iotedge/alerts/new", "\n".join(f.hex() for f in _frames("new")).encode())
    assert relay.stats.refused == refused and relay.stats.messages > 0


def test_presence_publishes_bthome_sensors_as_home_assistant_entities() -> None:
    """A BTHome thermometer in the reports: one state topic with its latest values, one
    discovery config per measurement (none for packet ids or text), throttled state,
    configs removed when the pseudonym epoch turns; badges make no entities."""
    link = FakeLink()
    publisher = DiscoveryPublisher(lambda t, b: link.publish_direct(t, b, 1, True))
    sensors = SensorEntities(link, publisher, min_interval=10.0, max_devices=1)
    svc = PresenceService(VENUE, link, clock=lambda: NOW, sensors=sensors)
    pid = "00000000000000cc"
    item = {"id": pid, "e": 5, "ts": NOW, "rssi": -60, "kind": "bthome", "pkt": 3}
    svc.add_item("g1", dict(item, values={"temperature": 21.5, "humidity": 40.0}))
    svc.add_item("g2", dict(item, ts=NOW + 1, values={"temperature": 21.6}))  # throttled
    svc.add_item("g1", dict(item, ts=NOW + 2, values={"battery": 90}))  # new: at once
    svc.add_item("g1", dict(item, ts=NOW + 12, values={"temperature": 21.7}))
    _feed(svc, _items("00000000000000dd", NOW, "g1", epoch=5))  # a badge: no entity
    svc.add_item("g1", dict(item, id="00000000000000ee", values={"temperature": 1.0}))
    state_topic = f"iotedge/bthome/{pid}/state"
    states = [json.loads(p) for t, p, _q, _r in link.messages if t == state_topic]
    assert states == [
        {"temperature": 21.5, "humidity": 40.0},
        {"temperature": 21.6, "humidity": 40.0, "battery": 90},
        {"temperature": 21.7, "humidity": 40.0, "battery": 90},
    ]
    configs = {
        t: json.loads(p) for t, p in link.retained().items() if t.startswith("homeassistant/")
    }
    assert sorted(configs) == [
        f"homeassistant/sensor/iotedge/{pid}_{m}/config"
        for m in ("battery", "humidity", "temperature")
    ]
    temp = configs[f"homeassistant/sensor/iotedge/{pid}_temperature/config"]
    assert temp["state_topic"] == state_topic and temp["device_class"] == "temperature"
    assert temp["value_template"] == "{{ value_json.temperature }}"
    assert sensors.refused == 1 and len(sensors) == 1  # max_devices=1: the second is left out
    new = "00000000000000ff"  # the same thermometer under the next epoch's pseudonym
    svc.add_item("g1", dict(item, id=new, e=6, ts=NOW + 60, values={"temperature": 22.0}))
    retained = link.retained()
    assert not any(t.startswith(f"homeassistant/sensor/iotedge/{pid}") for t in retained)
    assert f"homeassistant/sensor/iotedge/{new}_temperature/config" in retained
    assert len(sensors) == 1 and svc.stats.rotations == 1
