"""Which board, radio and sensor the HIL suite runs against (options and environment).

    --hil-port PORT   / IOTEDGE_HIL_PORT    standin (default) | auto | /dev/ttyACM0 | COM5
    --hil-ble RADIO   / IOTEDGE_HIL_BLE     virtual (default) | usb:0 | hci-socket:0 | hci0
    --hil-dht PIN     / IOTEDGE_HIL_DHT     GPIO of a wired DHT22 (hardware); the stand-in
                                            always has its simulated sensor on the wiring
                                            map's pin
    --hil-wifi SSID:PASSWORD / IOTEDGE_HIL_WIFI          Wi-Fi for a real board's node test
    --hil-broker-host ADDR   / IOTEDGE_HIL_BROKER_HOST   host address the board reaches the
                                                         test broker on (hardware)

``auto`` picks the first serial port whose USB ids are a known MicroPython board or
USB-serial bridge (:data:`KNOWN_USB_IDS`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

#: (vendor id, product id or None for "any product of this vendor") -> what it is.
KNOWN_USB_IDS: dict[tuple[int, int | None], str] = {
    (0x2E8A, None): "Raspberry Pi (RP2040/RP2350: Pico, Pico W, Pico 2)",
    (0x303A, None): "Espressif (ESP32-S2/S3/C3/C6 native USB)",
    (0x10C4, 0xEA60): "Silicon Labs CP210x USB-serial (most ESP32 DevKits)",
    (0x1A86, 0x7523): "WCH CH340 USB-serial",
    (0x0403, 0x6001): "FTDI FT232R USB-serial",
}

STANDIN = "standin"
VIRTUAL = "virtual"


class PortInfo(Protocol):
    device: str
    vid: int | None
    pid: int | None


def describe_usb(vid: int | None, pid: int | None) -> str | None:
    """What a USB id is, when it is one of :data:`KNOWN_USB_IDS`."""
    if vid is None:
        return None
    return KNOWN_USB_IDS.get((vid, pid)) or KNOWN_USB_IDS.get((vid, None))


def find_board(ports: Iterable[PortInfo] | None = None) -> str:
    """The device path of the first known board (sorted by path); RuntimeError if none."""
    if ports is None:
        from serial.tools import list_ports

        ports = list_ports.comports()
    seen = []
    for port in sorted(ports, key=lambda p: p.device):
        if describe_usb(port.vid, port.pid) is not None:
            return str(port.device)
        seen.append(f"{port.device} ({port.vid or 0:04x}:{port.pid or 0:04x})")
    known = ", ".join(
        f"{vid:04X}:{'*' if pid is None else f'{pid:04X}'}" for vid, pid in KNOWN_USB_IDS
    )
    raise RuntimeError(
        f"--hil-port auto: no board among serial ports [{', '.join(seen) or 'none'}]; "
        f"known USB ids: {known}"
    )


@dataclass(frozen=True)
class Target:
    port: str  # "standin" or a serial device
    ble: str  # "virtual", a bumble transport, or a BlueZ adapter
    dht_pin: int | None  # a wired DHT22 on a real board
    wifi: tuple[str, str] | None
    broker_host: str

    @property
    def standin(self) -> bool:
        return self.port == STANDIN

    @property
    def virtual_radio(self) -> bool:
        return self.ble == VIRTUAL


def _option(config: Any, name: str, env: str, default: str | None) -> str | None:
    value = config.getoption(name)
    if value is None:
        value = os.environ.get(env, default)
    return value or default


def target_from_config(config: Any) -> Target:
    port = _option(config, "--hil-port", "IOTEDGE_HIL_PORT", STANDIN) or STANDIN
    if port == "auto":
        port = find_board()
    dht = _option(config, "--hil-dht", "IOTEDGE_HIL_DHT", None)
    wifi_text = _option(config, "--hil-wifi", "IOTEDGE_HIL_WIFI", None)
    wifi = None
    if wifi_text:
        ssid, _, password = wifi_text.partition(":")
        wifi = (ssid, password)
    return Target(
        port=port,
        ble=_option(config, "--hil-ble", "IOTEDGE_HIL_BLE", VIRTUAL) or VIRTUAL,
        dht_pin=int(dht) if dht else None,
        wifi=wifi,
        broker_host=_option(config, "--hil-broker-host", "IOTEDGE_HIL_BROKER_HOST", "127.0.0.1")
        or "127.0.0.1",
    )
