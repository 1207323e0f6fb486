"""Badge firmware side of signed alerts (MicroPython).

Feeds every scanned advert through the portable core's AlertReceiver (the same
code the CLI's ``iotedge alert verify`` runs), keeps the replay window in a file
so a reboot does not reopen replays, and hands each accepted message to the
firmware's callback (display, buzzer, LED)::

    from badge_receiver import BadgeReceiver

    def show(message):          # an iotedge.core.alert_messages.AlertMessage
        display.text(message.fields.get("text", ""))

    badge = BadgeReceiver("keyring.txt", "alert_window.bin", show)
    badge.start_scan(bluetooth.BLE())   # on a board; the unix port feeds on_advert
    while True:
        badge.poll()
        time.sleep_ms(50)

The BLE scan interrupt only copies the advert into a small bounded queue; the
checks, the Ed25519 arithmetic and the file write happen in ``poll()`` outside
interrupt context. ``allowed_addresses`` is an optional cheap pre-filter on the
advertiser address: anyone can spoof an address, so it saves work, never
replaces the signature check.

Clock: ``clock`` (default ``time.time``) is the badge's own clock, which on a board
without a battery-backed RTC says nothing about the date (pass
``clock_trusted=False``: key validity windows and TTLs are then not enforced).
A signed ``time`` message that is the newest message of its key sets
``clock_offset`` (venue unix time minus the badge's clock) and makes the clock
trusted from then on; ``badge.time()`` is the venue's unix time. The trust is not
persisted: after a reboot the badge waits for the next time message.
"""

import errno
import os
import time

from micropython import const

from iotedge.core.alert_keyring import parse_keyring
from iotedge.core.alert_receiver import AlertReceiver

_IRQ_SCAN_RESULT = const(5)
_QUEUE_MAX = const(16)


class WindowReadError(Exception):
    """The replay-window file could not be read, for a reason other than its absence.

    Only "no such file" (ENOENT) means a badge that never accepted anything; any
    other failure (I/O error, a folder in its place, a full or corrupt filesystem)
    must stop the receiver, since starting from an empty window would let every
    frame already accepted be accepted again. ``errno`` is the OSError's code.
    """

    def __init__(self, path, code):
        super().__init__("cannot read replay window " + path + ": errno " + str(code))
        self.path = path
        self.errno = code


class FileStore:
    """Replay-window store in one file, replaced atomically (write temp, rename)."""

    def __init__(self, path):
        self.path = path
        self.writes = 0

    def load(self):
        """The file's bytes; None only when it does not exist (a fresh badge)."""
        try:
            with open(self.path, "rb") as f:
                return f.read()
        except OSError as exc:
            code = exc.args[0] if exc.args else -1
            if code == errno.ENOENT:
                return None
            raise WindowReadError(self.path, code) from None

    def save(self, data):
        tmp = self.path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(data)
        # rename() replaces the old file in one step on littlefs and on the unix port.
        os.rename(tmp, self.path)
        self.writes += 1


def load_keyring(path):
    with open(path, "rb") as f:
        return parse_keyring(f.read())


class BadgeReceiver:
    """Scanned adverts in, accepted alert messages out to ``on_message``."""

    def __init__(
        self,
        keyring_path,
        window_path,
        on_message,
        allowed_addresses=None,
        clock=None,
        clock_trusted=True,
        slots=4,
        timeout=120,
    ):
        self.receiver = AlertReceiver(
            load_keyring(keyring_path),
            FileStore(window_path),
            slots=slots,
            timeout=timeout,
            clock_trusted=clock_trusted,
        )
        self.on_message = on_message
        self.allowed = None
        if allowed_addresses is not None:
            self.allowed = set()
            for address in allowed_addresses:
                self.allowed.add(bytes(address))
        self.clock = clock if clock is not None else time.time
        self.clock_trusted = clock_trusted
        self.clock_offset = 0
        self.tz_quarters = 0
        self.queue = []
        self.dropped = 0
        self.filtered = 0
        self.counts = {}

    def on_advert(self, addr, adv_data, now=None):
        """Check one advert now; returns the accepted message or None."""
        if self.allowed is not None and bytes(addr) not in self.allowed:
            self.filtered += 1
            return None
        if now is None:
            now = int(self.clock())
        receiver = self.receiver
        message = receiver.feed(adv_data, now + self.clock_offset)
        reason = receiver.reason
        self.counts[reason] = self.counts.get(reason, 0) + 1
        if message is not None:
            if receiver.clock_update is not None:
                self._set_clock(receiver.clock_update, now, message.fields["tz_quarters"])
            self.on_message(message)
        return message

    def _set_clock(self, unix, local, tz_quarters):
        # The venue's signed, newest word on the time: trust it from now on.
        self.receiver.clock_update = None
        self.clock_offset = unix - local
        self.tz_quarters = tz_quarters
        if not self.clock_trusted:
            self.clock_trusted = True
            self.receiver.set_clock_trusted(True)

    def time(self):
        """Unix time as the venue last said it (the badge's clock plus the offset)."""
        return int(self.clock()) + self.clock_offset

    def irq(self, event, data):
        """bluetooth.BLE irq handler: queue a copy of each scan result."""
        if event != _IRQ_SCAN_RESULT:
            return
        if len(self.queue) >= _QUEUE_MAX:
            self.dropped += 1  # a burst beyond the queue: the gateways repeat anyway
            return
        _addr_type, addr, _adv_type, _rssi, adv_data = data
        self.queue.append((bytes(addr), bytes(adv_data)))

    def poll(self, now=None):
        """Process queued adverts; returns how many messages were accepted."""
        accepted = 0
        while self.queue:
            addr, adv = self.queue.pop(0)
            if self.on_advert(addr, adv, now) is not None:
                accepted += 1
        if now is None:
            now = int(self.clock())
        self.receiver.expire(now + self.clock_offset)
        return accepted

    def start_scan(self, ble, duration_ms=0, interval_us=30000, window_us=30000):
        """Start passive scanning on a board's ``bluetooth.BLE()`` object."""
        ble.active(True)
        ble.irq(self.irq)
        ble.gap_scan(duration_ms, interval_us, window_us)
