"""A :class:`~iotedge.hal.radio.Scanner` over bleak 3.x (BlueZ on Linux, also macOS/Windows).

Passive where BlueZ allows it, active otherwise
    BlueZ scans passively only through its advertisement-monitor API, which needs
    ``or_patterns`` (AD type + offset + bytes that an advert must contain), BlueZ >= 5.56
    started with ``--experimental`` and Linux >= 5.10. ``mode="auto"`` (default) scans
    passively when patterns are given and falls back to active scanning when BlueZ refuses;
    ``"passive"`` and ``"active"`` force one.

Every advertisement, not one per device
    bleak tells BlueZ ``DuplicateData=False`` (filter duplicates) by default; we send
    ``DuplicateData=True`` so BlueZ signals ManufacturerData/ServiceData on every received
    advert, even when the bytes did not change. Below BlueZ, the kernel enables the
    controller's own duplicate filter for an ordinary discovery unless an advertisement
    monitor is registered; in active mode with ``or_patterns`` we therefore also register a
    companion monitor (``keep_duplicates``), which makes the kernel scan with the
    controller's filter off. Each report is built from the ``AdvertisementData`` of that
    callback (bleak hands the device's current properties each time).

What BlueZ's D-Bus API cannot give (documented in docs/adapters.md)
    * No raw packets: BlueZ parses adverts into Device1 properties and merges the advert
      with its scan response. :func:`ad_bytes_from_bleak` re-encodes those properties as AD
      structures (flags, name, UUID lists, TX power, manufacturer and service data, other
      types from ``AdvertisingData``): each structure's bytes are exact, their order is
      canonical, and the report's ``kind`` is ``"merged"``.
    * A callback fires on any Device1 property change: normally once per received advert
      that carries manufacturer or service data, but an RSSI-only or connection change can
      add one. For raw, per-packet reports use :mod:`iotedge.adapters.bumble_radio` on a
      dedicated dongle.
    * In passive mode BlueZ may still drop repeated identical adverts (bluez issue 647);
      badges whose frame changes each time (counters) are reported every time.

bleak is imported here: import this module only when it is used.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, Literal

from bleak import BleakScanner
from bleak.args.bluez import BlueZScannerArgs, OrPattern
from bleak.assigned_numbers import AdvertisementDataType
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData
from bleak.exc import BleakError

from iotedge.hal.radio import AdvertCallback, Advertisement, join_ad, normalise_address

log = logging.getLogger(__name__)

Mode = Literal["auto", "passive", "active"]
_BASE_UUID_TAIL = "-0000-1000-8000-00805f9b34fb"


def or_pattern_service_data16(uuid16: int) -> OrPattern:
    """Match adverts carrying 16-bit service data for ``uuid16`` (e.g. 0xFCD2, BTHome)."""
    return OrPattern(0, AdvertisementDataType.SERVICE_DATA_UUID16, uuid16.to_bytes(2, "little"))


def or_pattern_manufacturer(company: int) -> OrPattern:
    """Match adverts carrying manufacturer data of ``company`` (e.g. 0x0590)."""
    return OrPattern(
        0, AdvertisementDataType.MANUFACTURER_SPECIFIC_DATA, company.to_bytes(2, "little")
    )


def scanner_kwargs(
    mode: Literal["passive", "active"],
    adapter: str | None,
    or_patterns: Sequence[OrPattern] = (),
    rssi_threshold: int | None = None,
) -> dict[str, Any]:
    """The ``BleakScanner`` keyword arguments for a mode (pure: tested without BlueZ)."""
    bluez: BlueZScannerArgs = {}
    if adapter:
        bluez["adapter"] = adapter
    if mode == "passive":
        if not or_patterns:
            raise ValueError("passive scanning on BlueZ needs at least one or_pattern")
        bluez["or_patterns"] = list(or_patterns)
    else:
        filters: dict[str, Any] = {"DuplicateData": True}
        if rssi_threshold is not None:
            filters["RSSI"] = rssi_threshold
        bluez["filters"] = filters  # type: ignore[typeddict-item]
    return {"scanning_mode": mode, "bluez": bluez}


def _uuid_width(uuid: str) -> tuple[int, bytes]:
    """AD width class and little-endian bytes of a UUID string."""
    uuid = uuid.lower()
    if uuid.endswith(_BASE_UUID_TAIL):
        value = int(uuid[:8], 16)
        if value <= 0xFFFF:
            return 2, value.to_bytes(2, "little")
        return 4, value.to_bytes(4, "little")
    return 16, bytes.fromhex(uuid.replace("-", ""))[::-1]


_UUID_LIST_TYPE = {2: 0x03, 4: 0x05, 16: 0x07}
_SERVICE_DATA_TYPE = {2: 0x16, 4: 0x20, 16: 0x21}
_COVERED = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x16, 0x20, 0x21, 0xFF}


def ad_bytes_from_bleak(adv: AdvertisementData) -> bytes:
    """Re-encode what BlueZ parsed out of an advert (and its scan response) as AD bytes."""
    props: dict[str, Any] = {}
    if len(adv.platform_data) >= 2 and isinstance(adv.platform_data[1], dict):
        props = adv.platform_data[1]
    structures: list[tuple[int, bytes]] = []
    flags = props.get("AdvertisingFlags")
    if flags:
        structures.append((0x01, bytes(flags)))
    if adv.local_name:
        structures.append((0x09, adv.local_name.encode()))
    lists: dict[int, bytearray] = {}
    for uuid in adv.service_uuids:
        try:
            width, raw = _uuid_width(uuid)
        except ValueError:
            continue
        lists.setdefault(width, bytearray()).extend(raw)
    for width in (2, 4, 16):
        if width in lists:
            structures.append((_UUID_LIST_TYPE[width], bytes(lists[width])))
    if adv.tx_power is not None:
        structures.append((0x0A, (adv.tx_power & 0xFF).to_bytes(1, "little")))
    for uuid, value in adv.service_data.items():
        try:
            width, raw = _uuid_width(uuid)
        except ValueError:
            continue
        structures.append((_SERVICE_DATA_TYPE[width], raw + bytes(value)))
    for company, value in adv.manufacturer_data.items():
        structures.append((0xFF, (company & 0xFFFF).to_bytes(2, "little") + bytes(value)))
    extra = props.get("AdvertisingData") or {}
    for ad_type in sorted(extra):
        if int(ad_type) not in _COVERED:
            structures.append((int(ad_type), bytes(extra[ad_type])))
    return join_ad(structures)


def advertisement_from_bleak(
    device: BLEDevice, adv: AdvertisementData, gateway: str, timestamp: float
) -> Advertisement:
    """One bleak detection callback -> one :class:`~iotedge.hal.radio.Advertisement`."""
    return Advertisement(
        address=normalise_address(device.address),
        rssi=int(adv.rssi),
        data=ad_bytes_from_bleak(adv),
        timestamp=timestamp,
        gateway=gateway,
        kind="merged",
    )


class BleakAdvertScanner:
    """Scan with bleak and report every advertisement (see module docstring).

    ``adapter`` selects the controller (``"hci0"``, ``"hci1"``; None = BlueZ's default).
    ``rssi_threshold`` (active mode) lets BlueZ drop weaker adverts before D-Bus.
    """

    def __init__(
        self,
        gateway: str,
        adapter: str | None = "hci0",
        mode: Mode = "auto",
        or_patterns: Sequence[OrPattern] = (),
        rssi_threshold: int | None = None,
        keep_duplicates: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if mode not in ("auto", "passive", "active"):
            raise ValueError(f"unknown scan mode {mode!r}")
        if mode == "passive" and not or_patterns:
            raise ValueError("passive scanning on BlueZ needs or_patterns")
        self.gateway = gateway
        self.adapter = adapter
        self.mode = mode
        self.or_patterns = list(or_patterns)
        self.rssi_threshold = rssi_threshold
        self.keep_duplicates = keep_duplicates
        self.clock = clock
        self.active_mode: Literal["passive", "active"] | None = None
        self.received = 0
        self.errors = 0
        self._callback: AdvertCallback | None = None
        self._scanner: BleakScanner | None = None
        self._companion: BleakScanner | None = None

    async def start(self, callback: AdvertCallback) -> None:
        self._callback = callback
        if self.mode in ("auto", "passive") and self.or_patterns:
            try:
                await self._start_as("passive")
                return
            except BleakError as exc:
                if self.mode == "passive":
                    raise
                log.warning("passive scan unavailable (%s); scanning actively", exc)
        await self._start_as("active")
        if self.keep_duplicates and self.or_patterns:
            await self._start_companion_monitor()

    async def _start_as(self, mode: Literal["passive", "active"]) -> None:
        kwargs = scanner_kwargs(mode, self.adapter, self.or_patterns, self.rssi_threshold)
        scanner = BleakScanner(detection_callback=self._on_detection, **kwargs)
        await scanner.start()
        self._scanner = scanner
        self.active_mode = mode

    async def _start_companion_monitor(self) -> None:
        """Register an advertisement monitor next to the active scan: with one in place the
        kernel turns the controller's duplicate filter off (see module docstring)."""
        kwargs = scanner_kwargs("passive", self.adapter, self.or_patterns)
        companion = BleakScanner(detection_callback=None, **kwargs)
        try:
            await companion.start()
        except BleakError as exc:
            log.info("no advertisement monitor (%s): controller may filter duplicates", exc)
            return
        self._companion = companion

    async def stop(self) -> None:
        scanners = [s for s in (self._companion, self._scanner) if s is not None]
        self._companion = self._scanner = None
        self._callback = None
        for scanner in scanners:
            try:
                await scanner.stop()
            except BleakError as exc:
                log.warning("stopping the bleak scanner failed: %s", exc)

    def _on_detection(self, device: BLEDevice, adv: AdvertisementData) -> None:
        callback = self._callback
        if callback is None:
            return
        try:
            report = advertisement_from_bleak(device, adv, self.gateway, self.clock())
        except (ValueError, TypeError) as exc:  # odd properties from the stack: skip, count
            self.errors += 1
            log.warning("skipped an advert from %s: %s", device.address, exc)
            return
        self.received += 1
        callback(report)
