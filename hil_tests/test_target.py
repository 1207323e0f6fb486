"""Target selection: ``--hil-port auto`` finds boards by USB id; options and wiring maps."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from hil_tests._target import KNOWN_USB_IDS, describe_usb, find_board, target_from_config
from hil_tests.wiring import esp32, for_platform, rp2

pytestmark = pytest.mark.hil


@dataclass
class FakePort:
    device: str
    vid: int | None
    pid: int | None


def test_auto_finds_each_known_board_by_usb_id() -> None:
    # Pico / Pico W (MicroPython's own USB CDC), ESP32-S3 native USB, and the three
    # USB-serial bridges ESP32 DevKits carry.
    cases = [
        (0x2E8A, 0x0005, "Raspberry Pi"),
        (0x303A, 0x1001, "Espressif"),
        (0x10C4, 0xEA60, "CP210x"),
        (0x1A86, 0x7523, "CH340"),
        (0x0403, 0x6001, "FT232R"),
    ]
    for vid, pid, name in cases:
        ports = [FakePort("/dev/ttyS0", None, None), FakePort("/dev/ttyUSB7", vid, pid)]
        assert find_board(ports) == "/dev/ttyUSB7"
        described = describe_usb(vid, pid)
        assert described is not None and name in described


def test_auto_ignores_unknown_devices_and_explains() -> None:
    ports = [
        FakePort("/dev/ttyACM1", 0x046D, 0xC52B),  # a Logitech receiver
        FakePort("/dev/ttyUSB0", 0x10C4, 0xEA70),  # a CP2105 (other product id)
        FakePort("/dev/ttyS0", None, None),
    ]
    with pytest.raises(RuntimeError) as info:
        find_board(ports)
    text = str(info.value)
    assert "046d:c52b" in text and "10c4:ea70" in text
    assert "2E8A:*" in text and "10C4:EA60" in text


def test_auto_is_deterministic_across_port_order() -> None:
    a = FakePort("/dev/ttyACM0", 0x2E8A, 0x0005)
    b = FakePort("/dev/ttyUSB0", 0x1A86, 0x7523)
    assert find_board([b, a]) == find_board([a, b]) == "/dev/ttyACM0"
    assert len(KNOWN_USB_IDS) == 5


class FakeConfig:
    def __init__(self, **options: str | None) -> None:
        self.options = options

    def getoption(self, name: str) -> str | None:
        return self.options.get(name.lstrip("-").replace("-", "_"))


def test_options_override_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IOTEDGE_HIL_PORT", "/dev/ttyACM3")
    monkeypatch.setenv("IOTEDGE_HIL_BLE", "hci1")
    monkeypatch.setenv("IOTEDGE_HIL_DHT", "22")
    monkeypatch.setenv("IOTEDGE_HIL_WIFI", "venue:se:cret")
    from_env = target_from_config(FakeConfig())
    assert (from_env.port, from_env.ble, from_env.dht_pin) == ("/dev/ttyACM3", "hci1", 22)
    assert from_env.wifi == ("venue", "se:cret") and not from_env.standin
    given = target_from_config(FakeConfig(hil_port="standin", hil_ble="usb:0", hil_dht="15"))
    assert (given.port, given.ble, given.dht_pin) == ("standin", "usb:0", 15)
    assert given.standin and not given.virtual_radio


def test_defaults_are_the_stand_ins(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PORT", "BLE", "DHT", "WIFI", "BROKER_HOST"):
        monkeypatch.delenv("IOTEDGE_HIL_" + name, raising=False)
    target = target_from_config(FakeConfig())
    assert target.standin and target.virtual_radio
    assert target.dht_pin is None and target.wifi is None and target.broker_host == "127.0.0.1"


def test_wiring_maps() -> None:
    assert for_platform("rp2") is rp2 and for_platform("esp32") is esp32
    assert for_platform("linux") is rp2  # the stand-in board is a Pico W
    assert rp2.DHT22_PIN == 15 and esp32.DHT22_PIN == 4
    with pytest.raises(KeyError, match="stm32"):
        for_platform("stm32")
