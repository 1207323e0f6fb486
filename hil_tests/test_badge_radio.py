"""The radio path, both ways: gateway -> badge (signed alerts), badge -> gateway (telemetry).

The gateway is CPython on the radio seam (hil_tests/_radio.py). The badge is the board
running micropython/badge_receiver.py (installed by mip) on its own ``bluetooth.BLE()``:
``start_scan`` + ``poll``, exactly as badge firmware does. On the stand-in, the board's
``bluetooth`` is a bumble controller on the same virtual link as the gateway, with the
RSSI of each link injected; on hardware both ends are real radios.
"""

from __future__ import annotations

import random
import time

import pytest

from hil_tests._board import Board, Session
from hil_tests._radio import BOARD_ADDRESS, VIRTUAL_RSSI, Gateway
from iotedge.alerts.keys import SigningKey
from iotedge.alerts.signer import sign_frames, unix_minutes
from iotedge.core import badge
from iotedge.core.alert_encode import encode_body
from iotedge.core.alert_frame import SCHEME_ED25519, SCHEME_HMAC
from iotedge.core.alert_keyring import Keyring
from iotedge.core.alert_messages import TYPE_ALERT
from iotedge.core.errors import IotEdgeError
from iotedge.hal.radio import join_ad

pytestmark = [pytest.mark.hil, pytest.mark.board_ble]

KEYRING = "/hil_keyring.txt"
WINDOW = "/hil_window.bin"

BADGE_FIRMWARE = """
import bluetooth
from badge_receiver import BadgeReceiver
try:
    import os
    os.remove({window!r})
except OSError:
    pass
got = []
badge = BadgeReceiver({keyring!r}, {window!r}, got.append)
ble = bluetooth.BLE()
badge.start_scan(ble)

def step(now):
    badge.poll(now)
    return (len(got), badge.counts)
"""


def _keys() -> tuple[SigningKey, SigningKey, Keyring]:
    hmac = SigningKey.generate(SCHEME_HMAC, first_key_id=1, generations=1)
    ed = SigningKey.generate(SCHEME_ED25519, first_key_id=9, generations=1)
    ring = Keyring(hmac.company)
    hmac.add_to_keyring(ring)
    ed.add_to_keyring(ring)
    return hmac, ed, ring


def _alert(key: SigningKey, counter: int, text: str) -> list[bytes]:
    body = encode_body(TYPE_ALERT, {"text": text, "ttl": 30, "issued": unix_minutes()})
    return sign_frames(key, key.active, counter, TYPE_ALERT, body)


def _poll_until(s: Session, done: object, seconds: float) -> tuple[int, dict[str, int]]:
    """Poll the badge until ``done(count, reasons)`` or ``seconds`` pass; the last state."""
    deadline = time.monotonic() + seconds
    while True:
        count, reasons = s.eval(f"step({int(time.time())})")
        if done(count, reasons) or time.monotonic() > deadline:  # type: ignore[operator]
            return count, reasons
        time.sleep(0.05)


@pytest.mark.timeout(120)
def test_badge_accepts_a_signed_alert_once_and_rejects_forgeries(
    board: Board, installed: str, gateway: Gateway
) -> None:
    hmac, _, ring = _keys()
    genuine = _alert(hmac, 1, "Drill")
    assert len(genuine) == 1  # one advert
    forged = bytearray(_alert(hmac, 2, "Cake")[0])
    forged[-1] ^= 0x01  # last byte of the HMAC tag
    wrong_key = _alert(SigningKey.generate(SCHEME_HMAC, first_key_id=1, generations=1), 3, "Go")
    with board.session() as s:
        s.write_file(KEYRING, ring.to_text().encode())
        s.exec(BADGE_FIRMWARE.format(keyring=KEYRING, window=WINDOW))
        try:
            gateway.broadcast(genuine)
            count, reasons = _poll_until(s, lambda c, r: c >= 1, 20)
            assert count == 1, reasons
            # The gateway keeps repeating it (as 20 relaying gateways would): every
            # further copy is a duplicate, none is delivered again.
            count, reasons = _poll_until(s, lambda c, r: r.get("duplicate", 0) >= 10, 20)
            assert count == 1 and reasons["duplicate"] >= 10, reasons
            message = s.eval("got[0].to_dict()")
            assert message["type"] == "alert" and message["text"] == "Drill"
            assert (message["key_id"], message["counter"]) == (1, 1)

            # Forgeries on air: a flipped tag bit, and a frame signed with another key
            # under the same key id. Both reach the check and are refused.
            gateway.broadcast([bytes(forged), *wrong_key])
            count, reasons = _poll_until(s, lambda c, r: r.get("bad-tag", 0) >= 10, 20)
            assert count == 1 and reasons.get("bad-tag", 0) >= 10, reasons
            assert reasons.get("accepted") == 1
            # The window file survived on the board's flash: a reboot would not reopen it.
            assert s.eval(f"__import__('os').stat({WINDOW!r})[6]") > 0
        finally:
            gateway.silence()
            s.exec("ble.gap_scan(None)")


@pytest.mark.timeout(120)
def test_badge_reassembles_a_fragmented_ed25519_alert_once(
    board: Board, installed: str, gateway: Gateway
) -> None:
    _, ed, ring = _keys()
    text = "Keynote moved to Hall C, starts 10:30"
    frames = _alert(ed, 1, text)
    assert len(frames) > 2  # the signature alone takes several adverts
    with board.session() as s:
        s.write_file(KEYRING, ring.to_text().encode())
        s.exec(BADGE_FIRMWARE.format(keyring=KEYRING, window=WINDOW))
        try:
            gateway.broadcast(list(reversed(frames)))  # any order
            count, reasons = _poll_until(s, lambda c, r: c >= 1, 40)
            assert count == 1, reasons
            count, reasons = _poll_until(s, lambda c, r: r.get("duplicate", 0) >= 10, 20)
            assert count == 1, reasons
            message = s.eval("got[0].to_dict()")
            assert (message["text"], message["key_id"], message["counter"]) == (text, 9, 1)
        finally:
            gateway.silence()
            s.exec("ble.gap_scan(None)")


BADGE_ADVERTISER = """
import bluetooth
from iotedge.core import badge
ble = bluetooth.BLE()
ble.active(True)
buf = bytearray(31)

def advertise(packet_id, claps):
    n = badge.encode_into(buf, {badge_id}, packet_id, 87, -1234, claps, 41, b"hil")
    ble.gap_advertise(100000, memoryview(buf)[:n])
    return bytes(buf[:n]).hex()
"""


def _reading_from(adv_data: bytes) -> badge.BadgeReading | None:
    try:
        return badge.decode(adv_data)
    except IotEdgeError:
        return None


@pytest.mark.timeout(60)
def test_badge_frame_encoded_on_the_board_decodes_on_the_gateway(
    board: Board, installed: str, gateway: Gateway
) -> None:
    badge_id = random.getrandbits(32)

    def heard(packet_id: int) -> object:
        def match(adv: object) -> bool:
            reading = _reading_from(adv.data)  # type: ignore[attr-defined]
            return reading is not None and (reading.badge_id, reading.packet_id) == (
                badge_id,
                packet_id,
            )

        return match

    with board.session() as s:
        s.exec(BADGE_ADVERTISER.format(badge_id=badge_id))
        try:
            sent = bytes.fromhex(s.eval("advertise(7, 1234)"))
            adv = gateway.wait_for(heard(7), what="the board's badge advert")  # type: ignore[arg-type]
            # The bytes the board built are the bytes that crossed the radio.
            assert adv.data == sent
            assert badge.decode(adv.data) == badge.BadgeReading(
                badge_id, 7, 87, -1234, 1234, 41, "hil"
            )
            if gateway.kind == "virtual":
                assert adv.address == BOARD_ADDRESS
                assert adv.rssi == VIRTUAL_RSSI[(BOARD_ADDRESS, "gateway")]
                assert {a.rssi for a in gateway.heard(BOARD_ADDRESS)} == {adv.rssi}
            else:
                assert -110 <= adv.rssi <= 0
            # The next reading replaces the advert on air (claps wrap at 65536).
            s.eval("advertise(8, 65537)")
            adv = gateway.wait_for(heard(8), what="the updated advert")  # type: ignore[arg-type]
            reading = badge.decode(adv.data)
            assert (reading.claps, reading.temperature_centi) == (1, -1234)
        finally:
            s.exec("ble.gap_advertise(None)")


@pytest.mark.timeout(60)
def test_timed_scan_reports_adverts_then_scan_done(board: Board, gateway: Gateway) -> None:
    # The BLE API a badge sleeps around: gap_scan(duration) ends with _IRQ_SCAN_DONE (6).
    frame = join_ad([(0x01, b"\x06"), (0xFF, b"\xff\xffhil-scan")])  # flags, company 0xFFFF
    with board.session() as s:
        s.exec(
            "import bluetooth\nevents = []\nble = bluetooth.BLE()\nble.active(True)\n"
            "ble.irq(lambda event, data: events.append((event, bytes(data[4]) if event == 5 "
            "else b'')))\n"
        )
        gateway.broadcast([frame])
        try:
            s.exec("ble.gap_scan(400, 30000, 30000)")
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not s.eval("any(e == 6 for e, _ in events)"):
                time.sleep(0.05)
            events = s.eval("events")
        finally:
            gateway.silence()
    kinds = [e for e, _ in events]
    assert kinds.count(6) == 1 and kinds[-1] == 6, kinds
    assert frame in {d for e, d in events if e == 5}
    # Nothing after the scan ended.
    time.sleep(0.3)
    with board.session(soft_reset=False) as s:
        assert s.eval("len(events)") == len(events)
