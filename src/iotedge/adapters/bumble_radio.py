"""Bumble as a radio: a virtual venue on one in-process link, or a real USB/HCI dongle.

Virtual venue
    :class:`VenueLink` is a bumble ``LocalLink`` whose advertising PDUs reach each
    :class:`VenueController` with the RSSI an :data:`~iotedge.hal.radio.RssiModel` gives for
    (advertiser address, receiving controller name); ``None`` means out of range. Stock
    bumble reports every advert at -50 dBm, as a connectable advert *and* a copy as scan
    response, and drops non-connectable legacy adverts; the venue controller instead
    reports each PDU once with the event type its advertising set asked for (legacy
    ADV_NONCONN_IND, ADV_IND, extended ...), a scan response only to an active scanner of a
    scannable advert, and honours the host's duplicate-filter flag.

Scanner and advertiser (any transport)
    :class:`BumbleScanner` reports every HCI advertising report (raw AD bytes, RSSI,
    advert or scan response kept apart) - it listens below bumble's own accumulator, which
    would merge adverts with scan responses. :class:`BumbleAdvertiser` broadcasts the
    rotating frames as a non-connectable advertising set: legacy PDUs (31 bytes) by
    default, extended PDUs (up to 229 bytes in one report) with ``extended=True``.
    :func:`open_device` gives a powered-on bumble ``Device`` on a transport string such
    as ``usb:0`` or ``hci-socket:0``; :func:`virtual_device` one on a :class:`VenueLink`.

bumble is imported here: import this module only when it is used.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from bumble import hci, ll
from bumble.controller import Controller
from bumble.device import (
    AdvertisingEventProperties,
    AdvertisingParameters,
    AdvertisingSet,
    Device,
)
from bumble.link import LocalLink

from iotedge.hal.radio import (
    LEGACY_AD_MAX,
    AdvertCallback,
    Advertisement,
    RotatingAdvertiser,
    RssiModel,
    normalise_address,
)

log = logging.getLogger(__name__)

#: Largest extended AD payload one HCI extended advertising report carries unfragmented.
BUMBLE_EXTENDED_MAX = 229

_Props = hci.HCI_LE_Set_Extended_Advertising_Parameters_Command.AdvertisingProperties
_ExtType = hci.HCI_LE_Extended_Advertising_Report_Event.EventType
_LegacyType = hci.HCI_LE_Advertising_Report_Event.EventType
_LEGACY_ADV_IND = int(_Props.USE_LEGACY_ADVERTISING_PDUS | _Props.CONNECTABLE_ADVERTISING) | int(
    _Props.SCANNABLE_ADVERTISING
)


def _fixed_rssi(address: str, receiver: str) -> int:
    return -50


class VenueLink(LocalLink):
    """A ``LocalLink`` that gives each (advertiser, receiver) pair its own RSSI."""

    def __init__(self, rssi: RssiModel = _fixed_rssi) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.rssi = rssi

    def send_advertising_pdu(self, sender_controller: Controller, packet: Any) -> None:
        if not isinstance(packet, ll.AdvInd | ll.AdvExtInd):
            super().send_advertising_pdu(sender_controller, packet)
            return
        loop = asyncio.get_running_loop()
        sender = normalise_address(str(packet.advertiser_address))
        props, scan_rsp = _sender_properties(sender_controller, packet)
        for receiver in list(self.controllers):
            if receiver is sender_controller:
                continue
            if not isinstance(receiver, VenueController):
                loop.call_soon(receiver.on_ll_advertising_pdu, packet)
                continue
            rssi = self.rssi(sender, receiver.name)
            if rssi is None:
                continue
            loop.call_soon(receiver.on_venue_advertising_pdu, packet, rssi, props, scan_rsp)


def _sender_properties(sender: Controller, packet: Any) -> tuple[int, bytes]:
    """Advertising event properties and scan response data of the set that sent ``packet``."""
    if isinstance(packet, ll.AdvExtInd):
        for adv_set in sender.advertising_sets.values():
            params = adv_set.parameters
            if (
                params is not None
                and adv_set.address == packet.advertiser_address
                and params.advertising_sid == packet.sid
            ):
                return int(params.advertising_event_properties), bytes(adv_set.scan_response_data)
        return 0, b""
    legacy = sender.le_legacy_advertiser
    return _LEGACY_ADV_IND, bytes(legacy.scan_response_data)


class VenueController(Controller):
    """A bumble virtual controller that reports adverts as a real one would (see module)."""

    def __init__(self, name: str, link: VenueLink, public_address: str | None = None) -> None:
        super().__init__(name, link=link, public_address=public_address)
        self._extended_scan = False
        self._active_scan = False
        self._dup_seen: set[tuple[str, int, bytes]] = set()
        self.reports_sent = 0

    # Remember how the host scans (stock bumble ignores the extended scan type).
    def on_hci_le_set_scan_parameters_command(self, command: Any) -> Any:
        self._active_scan = bool(command.le_scan_type)
        return super().on_hci_le_set_scan_parameters_command(command)

    def on_hci_le_set_extended_scan_parameters_command(self, command: Any) -> Any:
        self._active_scan = bool(command.scan_types and command.scan_types[0])
        return super().on_hci_le_set_extended_scan_parameters_command(command)

    def on_hci_le_set_scan_enable_command(self, command: Any) -> Any:
        self._extended_scan = False
        self._dup_seen.clear()
        return super().on_hci_le_set_scan_enable_command(command)

    def on_hci_le_set_extended_scan_enable_command(self, command: Any) -> Any:
        self._extended_scan = True
        self._dup_seen.clear()
        return super().on_hci_le_set_extended_scan_enable_command(command)

    def on_venue_advertising_pdu(self, packet: Any, rssi: int, props: int, scan_rsp: bytes) -> None:
        # Keep stock bumble's periodic-advertising sync and connection set-up, minus its
        # scan reports: scanning is switched off for the call, then restored.
        enabled, self.le_scan_enable = self.le_scan_enable, False
        try:
            self.on_advertising_pdu(packet)
        finally:
            self.le_scan_enable = enabled
        if not self.le_scan_enable:
            return
        self._report(packet.advertiser_address, props, bytes(packet.data), rssi, False)
        if self._active_scan and props & _Props.SCANNABLE_ADVERTISING:
            self._report(packet.advertiser_address, props, scan_rsp, rssi, True)

    def _report(
        self, address: hci.Address, props: int, data: bytes, rssi: int, scan_response: bool
    ) -> None:
        legacy = bool(props & _Props.USE_LEGACY_ADVERTISING_PDUS)
        if self.filter_duplicates:
            key = (str(address), int(scan_response), data)
            if key in self._dup_seen:
                return
            self._dup_seen.add(key)
        event: hci.HCI_Event
        if self._extended_scan:
            event_type = props & 0b111  # connectable, scannable, directed: same bits
            if legacy:
                event_type |= _ExtType.LEGACY_ADVERTISING_PDU_USED
            if scan_response:
                event_type |= _ExtType.SCAN_RESPONSE
            report = hci.HCI_LE_Extended_Advertising_Report_Event.Report(
                event_type=event_type,
                address_type=address.address_type,
                address=address,
                primary_phy=hci.Phy.LE_1M,
                secondary_phy=0 if legacy else hci.Phy.LE_1M,
                advertising_sid=0xFF if legacy else 0,
                tx_power=hci.HCI_LE_Extended_Advertising_Report_Event.TX_POWER_INFORMATION_NOT_AVAILABLE,
                rssi=rssi,
                periodic_advertising_interval=0,
                direct_address_type=0,
                direct_address=hci.Address.ANY,
                data=data,
            )
            event = hci.HCI_LE_Extended_Advertising_Report_Event([report])
        else:
            if not legacy:
                return  # a legacy scan cannot see extended adverts
            if scan_response:
                legacy_type = _LegacyType.SCAN_RSP
            elif props & _Props.CONNECTABLE_ADVERTISING:
                legacy_type = _LegacyType.ADV_IND
            elif props & _Props.SCANNABLE_ADVERTISING:
                legacy_type = _LegacyType.ADV_SCAN_IND
            else:
                legacy_type = _LegacyType.ADV_NONCONN_IND
            event = hci.HCI_LE_Advertising_Report_Event(
                [
                    hci.HCI_LE_Advertising_Report_Event.Report(
                        event_type=legacy_type,
                        address_type=address.address_type,
                        address=address,
                        data=data,
                        rssi=rssi,
                    )
                ]
            )
        self.reports_sent += 1
        self.send_hci_packet(event)


async def virtual_device(link: VenueLink, name: str, address: str) -> Device:
    """A powered-on bumble ``Device`` named ``name`` (the RSSI model's receiver id) whose
    random static address is ``address``, on its own :class:`VenueController`."""
    controller = VenueController(name, link=link)
    device = Device.with_hci(name, hci.Address(address), controller, controller)
    await device.power_on()
    return device


async def open_device(transport: str, name: str, address: str) -> tuple[Device, Any]:
    """A powered-on ``Device`` on a real transport (``usb:0``, ``hci-socket:0``, ``serial:...``).

    Returns ``(device, transport)``; close the transport (``await transport.close()``) when
    done.
    """
    from bumble.transport import open_transport

    opened = await open_transport(transport)
    device = Device.with_hci(name, hci.Address(address), opened.source, opened.sink)
    await device.power_on()
    return device, opened


def _report_kind_and_extended(report: Any) -> tuple[bool, bool]:
    """``(is_scan_response, is_extended)`` of a legacy or extended HCI advertising report."""
    if isinstance(report, hci.HCI_LE_Extended_Advertising_Report_Event.Report):
        event_type = int(report.event_type)
        return bool(event_type & _ExtType.SCAN_RESPONSE), not (
            event_type & _ExtType.LEGACY_ADVERTISING_PDU_USED
        )
    return report.event_type == _LegacyType.SCAN_RSP, False


class BumbleScanner:
    """A :class:`~iotedge.hal.radio.Scanner` over a bumble ``Device`` (virtual or real).

    Passive by default (no scan requests: badges' batteries and the air are spared);
    ``active=True`` asks for scan responses, reported separately with ``kind="scan_rsp"``.
    The controller's duplicate filter is off unless ``filter_duplicates`` is set.
    """

    def __init__(
        self,
        device: Device,
        gateway: str,
        active: bool = False,
        filter_duplicates: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.device = device
        self.gateway = gateway
        self.active = active
        self.filter_duplicates = filter_duplicates
        self.clock = clock
        self.received = 0
        self._callback: AdvertCallback | None = None

    async def start(self, callback: AdvertCallback) -> None:
        self._callback = callback
        self.device.host.on("advertising_report", self._on_report)
        await self.device.start_scanning(
            active=self.active, filter_duplicates=self.filter_duplicates
        )

    async def stop(self) -> None:
        try:
            if self.device.is_scanning:
                await self.device.stop_scanning()
        finally:
            self.device.host.remove_listener("advertising_report", self._on_report)
            self._callback = None

    def _on_report(self, report: Any) -> None:
        callback = self._callback
        if callback is None:
            return
        scan_response, extended = _report_kind_and_extended(report)
        self.received += 1
        callback(
            Advertisement(
                address=normalise_address(str(report.address)),
                rssi=int(report.rssi),
                data=bytes(report.data),
                timestamp=self.clock(),
                gateway=self.gateway,
                kind="scan_rsp" if scan_response else "adv",
                extended=extended,
            )
        )


class BumbleAdvertiser(RotatingAdvertiser):
    """An :class:`~iotedge.hal.radio.Advertiser` on a bumble ``Device``.

    One non-connectable, non-scannable advertising set (ADV_NONCONN_IND for legacy); each
    rotation step replaces its advertising data in place (HCI LE Set Extended Advertising
    Data), so the set keeps running between frames.
    """

    def __init__(
        self,
        device: Device,
        interval_ms: float = 100.0,
        extended: bool = False,
        slot: float = 1.0,
        max_frames: int = 32,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        max_len = BUMBLE_EXTENDED_MAX if extended else LEGACY_AD_MAX
        super().__init__(slot=slot, max_frames=max_frames, max_len=max_len, clock=clock)
        self.device = device
        self.interval_ms = interval_ms
        self.extended = extended
        self._set: AdvertisingSet | None = None

    async def _show(self, data: bytes | None) -> None:
        if data is None:
            await self._remove_set()
            return
        if self._set is None:
            self._set = await self.device.create_advertising_set(
                advertising_parameters=AdvertisingParameters(
                    advertising_event_properties=AdvertisingEventProperties(
                        is_connectable=False, is_scannable=False, is_legacy=not self.extended
                    ),
                    primary_advertising_interval_min=self.interval_ms,
                    primary_advertising_interval_max=self.interval_ms,
                ),
                random_address=self.device.random_address,
                advertising_data=data,
                auto_start=True,
            )
        else:
            await self._set.set_advertising_data(data)

    async def _remove_set(self) -> None:
        adv_set, self._set = self._set, None
        if adv_set is not None:
            await adv_set.stop()
            await adv_set.remove()

    async def _close(self) -> None:
        await self._remove_set()
