"""Replay policy for BTHome counters: a bounded, persistable per-device guard."""

# Decryption proves a frame came from a key holder; it does not prove the frame is
# new. Every encrypted BTHome frame carries a 32-bit counter that the sender
# increases, so a receiver accepts a device's frame only when its counter is above
# the last one it accepted from that device. That memory is state, kept here and
# not in the decoder, and updated only when the caller says the frame was good::
#
#     counter = frame_counter(service_data)       # in clear, cheap
#     guard.check(mac, counter)                   # ReplayError: drop it early
#     objects, counter = decrypt_payload(key, mac, service_data)   # MIC checked
#     ...decode objects...
#     guard.commit(mac, counter)                  # only now is it remembered

from binascii import hexlify, unhexlify

from .errors import ReplayError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_COUNTER_MAX = 0xFFFFFFFF  # not const(): above MicroPython's small-int range
_KIND_NAMES = ("bytes", "str", "int")


def _kind_of(device: "Any") -> int:
    # 0 bytes, 1 str, 2 int. A bool is refused on both interpreters (CPython calls
    # it an int, MicroPython does not; export_state could not round-trip one).
    if isinstance(device, bytes):
        return 0
    if isinstance(device, str):
        return 1
    if isinstance(device, int) and not isinstance(device, bool):
        return 2
    raise ReplayError("bad-device", "device ids are bytes, str or int")


def _encode_device(device: "bytes | str | int") -> "str | int":
    if isinstance(device, bytes):
        return "hex:" + hexlify(device).decode()
    if isinstance(device, str):
        return "str:" + device
    return device


def _decode_device(value: "Any") -> "bytes | str | int":
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        if value.startswith("hex:"):
            try:
                return unhexlify(value[4:])
            except ValueError:
                pass
        elif value.startswith("str:"):
            return value[4:]
    raise ReplayError("bad-state", "device id " + repr(value) + " is not hex:, str: or an int")


class ReplayGuard:
    # Replay policy for counters: per device, accept only strictly increasing ones.
    # * ``check(device, counter)`` raises ReplayError ``"duplicate"`` (the counter
    #   equals the last accepted one: the same frame heard again) or ``"old-counter"``
    #   (lower: a replay or a reordered frame); it never changes state.
    # * ``commit(device, counter)`` records the counter once the caller has verified
    #   the frame (MIC checked, objects decoded). It re-checks, so a device never
    #   moves backwards, and marks the device as the most recently seen.
    # * A device never seen is accepted at any counter (trust on first use).
    # * Memory is bounded: at most ``max_devices`` devices. Committing a new device
    #   when full evicts the least recently committed one (``evictions`` counts
    #   them). An evicted device is unknown again, so its old frames would be
    #   accepted once: size ``max_devices`` above the fleet.
    # * A device whose counter legitimately restarted (battery change, reflash)
    #   is refused until an operator calls ``forget(device)``.
    # * ``export_state()`` / ``import_state()`` persist it as JSON-ready data.
    #
    # ``device`` is any of ``bytes`` (a MAC), ``str`` or ``int`` (a badge id), one
    # kind per guard: the first device committed (or imported) sets it, and a
    # device of another kind raises ReplayError ``"bad-device"`` from every method
    # until the guard is empty again. A MAC passed as bytes on one path and as
    # text on another would be two devices, each accepting the other's replays;
    # and MicroPython compares bytes with str keys while probing a dict, with a
    # warning each time. Counters are unsigned 32-bit. Not thread-safe: one owner,
    # or a lock around it.

    def __init__(self, max_devices: int = 1024) -> None:
        if not isinstance(max_devices, int) or max_devices < 1:
            raise ReplayError("bad-limit", "max_devices must be a positive integer")
        self.max_devices = max_devices
        self.evictions = 0
        self._last: "dict[Any, int]" = {}
        self._seen: "dict[Any, int]" = {}  # device -> commit tick, for eviction order
        self._tick = 0
        self._kind = -1  # the kind of id held (see _kind_of), -1 while empty

    def __len__(self) -> int:
        return len(self._last)

    def _same_kind(self, device: "Any") -> "Any":
        # ``device`` itself, once it is known to be of the kind this guard holds.
        kind = _kind_of(device)
        if kind != self._kind and self._kind >= 0:
            raise ReplayError(
                "bad-device",
                "this guard holds "
                + _KIND_NAMES[self._kind]
                + " device ids, not "
                + _KIND_NAMES[kind]
                + " (one kind of id per guard)",
            )
        return device

    def last(self, device: "bytes | str | int") -> "int | None":
        """The last accepted counter of ``device``, or None if unknown."""
        return self._last.get(self._same_kind(device))

    def check(self, device: "bytes | str | int", counter: int) -> None:
        """Raise ReplayError unless ``counter`` is above the last accepted one."""
        if not isinstance(counter, int) or counter < 0 or counter > _COUNTER_MAX:
            raise ReplayError("bad-counter", "the counter is an unsigned 32-bit integer")
        last = self._last.get(self._same_kind(device))
        if last is None or counter > last:
            return
        if counter == last:
            raise ReplayError("duplicate", "counter " + str(counter) + " was already accepted")
        raise ReplayError(
            "old-counter",
            "counter " + str(counter) + " is below the last accepted " + str(last),
        )

    def commit(self, device: "bytes | str | int", counter: int) -> None:
        """Record ``counter`` as accepted for ``device`` (after the caller verified)."""
        self.check(device, counter)
        self._store(device, counter)

    def _store(self, device: "Any", counter: int) -> None:
        self._kind = _kind_of(device)
        self._tick += 1
        self._last[device] = counter
        self._seen[device] = self._tick
        if len(self._last) > self.max_devices:
            self._evict_oldest()

    def _evict_oldest(self) -> None:
        # O(number of devices), only when a new device arrives at the limit.
        oldest = None
        oldest_tick = self._tick + 1
        for device, tick in self._seen.items():
            if tick < oldest_tick:
                oldest = device
                oldest_tick = tick
        del self._last[oldest]
        del self._seen[oldest]
        self.evictions += 1

    def forget(self, device: "bytes | str | int") -> bool:
        """Drop ``device`` (its next counter is accepted); True if it was known."""
        if self._same_kind(device) in self._last:
            del self._last[device]
            del self._seen[device]
            if not self._last:
                self._kind = -1
            return True
        return False

    def export_state(self) -> "dict[str, Any]":
        # JSON-ready state, devices oldest first: bytes ids as ``"hex:..."``,
        # str ids as ``"str:..."``, int ids as numbers.
        order = sorted(self._seen.items(), key=lambda item: item[1])
        devices = [[_encode_device(device), self._last[device]] for device, _ in order]
        return {"format": "iotedge-replay-guard", "version": 1, "devices": devices}

    def import_state(self, state: "dict[str, Any]") -> None:
        # Replace the state with ``export_state()`` output (validated first; on
        # error nothing changes). More devices than ``max_devices``: the oldest go.
        if not isinstance(state, dict) or state.get("format") != "iotedge-replay-guard":
            raise ReplayError("bad-state", "not an iotedge-replay-guard state")
        if state.get("version") != 1:
            raise ReplayError("bad-state", "unknown state version " + repr(state.get("version")))
        entries = state.get("devices")
        if not isinstance(entries, list):
            raise ReplayError("bad-state", "devices must be a list")
        loaded: "list[tuple[Any, int]]" = []
        for entry in entries:
            if not isinstance(entry, (list, tuple)) or len(entry) != 2:
                raise ReplayError("bad-state", "each device is [id, counter]")
            counter = entry[1]
            if isinstance(counter, bool) or not isinstance(counter, int):
                raise ReplayError("bad-state", "counter " + repr(counter) + " is not an integer")
            if counter < 0 or counter > _COUNTER_MAX:
                raise ReplayError("bad-state", "counter " + str(counter) + " is out of range")
            device = _decode_device(entry[0])
            if loaded and _kind_of(device) != _kind_of(loaded[0][0]):
                raise ReplayError("bad-state", "devices of more than one kind of id")
            loaded.append((device, counter))
        self._last = {}
        self._seen = {}
        self._tick = 0
        self._kind = -1
        self.evictions = 0
        for device, counter in loaded:
            self._store(device, counter)
