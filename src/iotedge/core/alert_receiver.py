"""The badge's side of signed alerts: the ordered checks, the replay window, reassembly.

:meth:`AlertReceiver.feed` takes the advertising data of one scanned advert and
returns an accepted :class:`~iotedge.core.alert_messages.AlertMessage` or None,
leaving a stable code in ``receiver.reason``. Checks run in this order, cheapest
and most common first, and state changes only after verification:

1. length and version (and that the advert holds our company's manufacturer AD);
2. key id known, not revoked, inside its validity window, allowed for this type,
   of the scheme the frame says;
3. counter: drop when below the sliding window or already accepted (the normal fate
   of the 19 other gateways' copies), and drop a fragment already stored, all
   before any cryptography or allocation;
4. verify: the HMAC tag of this frame (constant-time compare), or once all
   fragments are in, the Ed25519 signature over the whole message;
5. reject absurd counter jumps (more than ``max_jump`` past the high-water mark);
6. decode the body, refuse it when its TTL has run out (only with a trusted clock);
7. update the window, apply a revocation, persist the high-water marks through
   the injected store, hand the message back.

No I/O here: persistence goes through ``store.load() -> bytes | None`` and
``store.save(data)``, supplied by the firmware (a file on the board) or tests.
"""

import struct

from ._compat import const
from .alert_auth import HmacKey, ed25519_signed_input
from .alert_fragments import Reassembler
from .alert_messages import AlertMessage, decode_body, minutes_left
from .errors import AlertError

# const(): MicroPython's compiler drops the block below, so it costs a board no RAM.
TYPE_CHECKING = const(False)
if TYPE_CHECKING:
    from typing import Any, Callable, Protocol

    from .alert_keyring import Keyring

    class WindowStore(Protocol):
        def load(self) -> "bytes | None": ...

        def save(self, data: "bytes | bytearray") -> None: ...


# Private copies of numbers defined in alert_frame, alert_auth, alert_fragments and
# alert_messages: MicroPython folds private consts into the bytecode, where an
# imported name would cost a global slot here and a dict lookup on the hot path.
# tests/test_alert_layout.py pins each copy to its source.
_TAG_LEN = const(8)  # alert_auth.TAG_LEN
_SIG_LEN = const(64)  # alert_frame.SIG_LEN
_HMAC_CHUNK = const(9)  # alert_frame.HMAC_CHUNK
_ED25519_CHUNK = const(17)  # alert_frame.ED25519_CHUNK
_MAX_FRAGMENTS = const(16)  # alert_frame.MAX_FRAGMENTS
_SCHEME_ED25519 = const(1)  # alert_frame.SCHEME_ED25519
_VT_ED25519 = const(0x10)  # alert_frame.VT_ED25519
_TYPE_REVOKE = const(15)  # alert_messages.TYPE_REVOKE
_TYPE_TIME = const(1)  # alert_messages.TYPE_TIME
_PUT_STORED = const(0)  # alert_fragments.PUT_*
_PUT_COMPLETE = const(1)
_PUT_CONFLICT = const(3)
_PUT_BAD_LENGTH = const(4)

# Positions in the per-key state list (a list indexes faster than attributes).
_MASK = const(0)  # allowed type bits, 0 once revoked
_NB = const(1)  # effective not-before (seconds)
_NA = const(2)  # effective not-after (seconds)
_HWM = const(3)  # highest accepted counter
_SEEN = const(4)  # bit d set: counter HWM - d accepted
_SCHEME = const(5)  # the VT_ED25519 bit the frames must carry
_KEY = const(6)  # HmacKey, or the Ed25519 public key
_ENTRY = const(7)  # the KeyEntry (never modified: the caller's keyring stays as loaded)
_REVOKED = const(8)  # revoked, from the keyring, the window file or a revoke frame

# Replay window: 30 counters, so the bitmap stays a small int on 32-bit boards.
WINDOW = const(30)
_WINDOW_ALL = const(0x3FFFFFFF)
_NEVER = const(0x7FFFFFFFFFFF)
_MIN_PAYLOAD = const(8)
_MAX_PAYLOAD = const(24)

_STATE_MAGIC = b"AW\x01"
_STATE_RECORD = const(6)  # key id, flags, high-water mark (uint32 LE)
_FLAG_REVOKED = const(1)


def find_payload(adv: "bytes | bytearray | memoryview", company: int) -> int:
    """Offset of the alert payload (after the company id) in advertising data, or -1.

    Walks the length-type-value structures and returns the first manufacturer AD
    (type 0xFF) whose company id matches; the payload ends at the AD's end, which
    the caller finds as ``offset - 3 + adv[offset - 4]``. Malformed structures
    (zero length, overrun) end the walk: such an advert is not an alert frame.
    """
    n = len(adv)
    i = 0
    while i + 1 < n:
        size = adv[i]
        if size == 0 or i + 1 + size > n:
            return -1
        if size >= 3 and adv[i + 1] == 0xFF and adv[i + 2] | (adv[i + 3] << 8) == company:
            return i + 4
        i += 1 + size
    return -1


class MemoryStore:
    """A window store in RAM (tests, benchmarks); ``writes`` counts saves."""

    def __init__(self, data: "bytes | None" = None) -> None:
        self.data = data
        self.writes = 0

    def load(self) -> "bytes | None":
        return self.data

    def save(self, data: "bytes | bytearray") -> None:
        self.data = bytes(data)
        self.writes += 1


class AlertReceiver:
    """Verifies, de-duplicates and reassembles alert frames for one keyring.

    ``store`` persists the high-water marks and revocations (None: not persisted).
    ``slots`` and ``timeout`` bound reassembly memory; ``max_jump`` is the largest
    accepted counter step past the high-water mark once a key has been seen.
    ``clock_trusted`` says whether ``now`` is real unix time: when False, key
    validity windows and message TTLs are not enforced (the firmware sets it True
    once a signed time message or an RTC gives it the date).

    ``clock_update`` is the unix time of the last accepted ``time`` message that
    was the newest message of its key (counter above the key's high-water mark),
    else None: the caller (which owns the clock; the core reads none) sets its
    clock from it, calls :meth:`set_clock_trusted` and puts None back. An older
    time message arriving late is delivered but never moves the clock.
    """

    def __init__(
        self,
        keyring: "Keyring",
        store: "WindowStore | None" = None,
        slots: int = 4,
        timeout: int = 120,
        max_jump: int = 1 << 16,
        clock_trusted: bool = True,
    ) -> None:
        company = keyring.company
        self.company = company
        self.store = store
        self.max_jump = max_jump
        self.reason = ""
        self.accepted = 0
        self.clock_update: "int | None" = None
        self._keys: dict[int, list[Any]] = {}
        self._orphans: dict[int, list[int]] = {}
        self._ed_verify: Callable[[bytes, bytes, bytes], bool] | None = None
        has_ed = False
        for key_id in keyring.keys:
            entry = keyring.keys[key_id]
            key: Any = entry.material
            vt_bit = 0
            if entry.scheme == _SCHEME_ED25519:
                vt_bit = _VT_ED25519
                has_ed = True
            else:
                key = HmacKey(key, company)
            types = 0 if entry.revoked else entry.types
            # Indexed by _MASK, _NB, _NA, _HWM, _SEEN, _SCHEME, _KEY, _ENTRY, _REVOKED.
            self._keys[key_id] = [types, 0, 0, 0, 1, vt_bit, key, entry, entry.revoked]
        # One reassembler per scheme in use: fragment sizes differ.
        self._reasm_hmac = Reassembler(slots, _HMAC_CHUNK, _MAX_FRAGMENTS, timeout)
        self._reasm_ed: Reassembler | None = None
        if has_ed:
            from .ed25519 import verify

            self._ed_verify = verify
            self._reasm_ed = Reassembler(slots, _ED25519_CHUNK, _MAX_FRAGMENTS, timeout)
        self._clock_trusted = True
        self.set_clock_trusted(clock_trusted)
        self._state = bytearray(0)
        if store is not None:
            self._load(store.load())

    def set_clock_trusted(self, trusted: bool) -> None:
        """Enforce (True) or ignore (False) key validity windows and message TTLs."""
        self._clock_trusted = trusted
        for key_id in self._keys:
            st = self._keys[key_id]
            entry = st[_ENTRY]
            st[_NB] = entry.not_before if trusted else -1
            st[_NA] = entry.not_after if trusted and entry.not_after else _NEVER

    # -- persistence -----------------------------------------------------------

    def _load(self, data: "bytes | None") -> None:
        if not data:
            return
        n = len(data)
        if data[:3] != _STATE_MAGIC or (n - 3) % _STATE_RECORD:
            # Never fall back to an empty window: that would reopen every replay.
            raise AlertError("bad-state", "replay window file is corrupt", 0)
        for at in range(3, n, _STATE_RECORD):
            key_id, flags, hwm = struct.unpack_from("<BBI", data, at)
            revoked = flags & _FLAG_REVOKED
            st = self._keys.get(key_id)
            if st is None:
                self._orphans[key_id] = [hwm, revoked]
                continue
            st[_HWM] = hwm
            # After a reboot the window's bits are gone: treat all of it as seen.
            st[_SEEN] = _WINDOW_ALL if hwm else 1
            if revoked:
                st[_REVOKED] = True
                st[_MASK] = 0

    def state_bytes(self) -> "bytearray":
        """The persisted form: magic, then per key id: id, flags, high-water mark."""
        count = len(self._keys) + len(self._orphans)
        if len(self._state) != 3 + count * _STATE_RECORD:
            self._state = bytearray(3 + count * _STATE_RECORD)
            self._state[:3] = _STATE_MAGIC
        at = 3
        for key_id in self._keys:
            st = self._keys[key_id]
            flags = _FLAG_REVOKED if st[_REVOKED] else 0
            struct.pack_into("<BBI", self._state, at, key_id, flags, st[_HWM])
            at += _STATE_RECORD
        for key_id in self._orphans:
            hwm, revoked = self._orphans[key_id]
            struct.pack_into("<BBI", self._state, at, key_id, revoked, hwm)
            at += _STATE_RECORD
        return self._state

    def high_water_mark(self, key_id: int) -> int:
        st = self._keys.get(key_id)
        return st[_HWM] if st is not None else 0

    # -- the hot path -----------------------------------------------------------

    def feed(self, adv: "bytes | bytearray | memoryview", now: int) -> "AlertMessage | None":
        """Run one advert through the checks; the message when accepted, else None.

        ``now`` is in seconds (unix time when the clock is trusted). ``self.reason``
        tells what happened (see REASONS).
        """
        n = len(adv)
        o = 0
        if n > 2 and adv[1] == 1:  # skip a leading flags AD
            o = adv[0] + 1
        if o + 4 >= n or adv[o + 1] != 0xFF or adv[o + 2] | adv[o + 3] << 8 != self.company:
            o = find_payload(adv, self.company) - 4
            if o < 0:
                self.reason = "not-alert"
                return None
        p = o + 4
        end = o + 1 + adv[o]
        plen = end - p
        if end > n or plen < _MIN_PAYLOAD:
            self.reason = "short"
            return None
        if plen > _MAX_PAYLOAD:
            self.reason = "long"
            return None
        vt = adv[p]
        if vt & 0xC0 != 0x40:
            self.reason = "bad-version"
            return None
        kid = adv[p + 1]
        st = self._keys.get(kid)
        if st is None:
            self.reason = "unknown-key"
            return None
        t = vt & 0x0F
        if not st[_MASK] >> t & 1 or now < st[_NB] or now > st[_NA]:
            if st[_REVOKED]:
                self.reason = "key-revoked"
            elif now < st[_NB]:
                self.reason = "key-not-yet-valid"
            elif now > st[_NA]:
                self.reason = "key-expired"
            else:
                self.reason = "type-not-allowed"
            return None
        if vt & 0x10 != st[_SCHEME]:
            self.reason = "scheme-mismatch"
            return None
        c = adv[p + 2] | adv[p + 3] << 8 | adv[p + 4] << 16 | adv[p + 5] << 24
        hwm = st[_HWM]
        if c <= hwm:
            d = hwm - c
            if d >= WINDOW:
                self.reason = "stale"
                return None
            if st[_SEEN] >> d & 1:
                self.reason = "bad-counter" if c == 0 else "duplicate"
                return None
        if vt & 0x20:
            return self._fragment(adv, p, end, vt, kid, c, st, now)
        if st[_SCHEME]:
            self.reason = "bad-fragment"  # Ed25519 messages are always fragmented
            return None
        tag_at = end - _TAG_LEN
        if tag_at - p < 6 + 5:
            self.reason = "short"
            return None
        if not st[_KEY].check(memoryview(adv)[p:tag_at], adv, tag_at):
            self.reason = "bad-tag"
            return None
        return self._accept(st, kid, c, t, bytes(adv[p + 6 : tag_at]), now)

    def _fragment(
        self,
        adv: "bytes | bytearray | memoryview",
        p: int,
        end: int,
        vt: int,
        kid: int,
        c: int,
        st: "list[Any]",
        now: int,
    ) -> "AlertMessage | None":
        fb = adv[p + 6]
        idx = fb >> 4
        last = fb & 0x0F
        if idx > last or last == 0:
            self.reason = "bad-fragment"
            return None
        ed = st[_SCHEME]
        reasm = self._reasm_ed if ed else self._reasm_hmac
        if reasm is None:
            self.reason = "scheme-mismatch"
            return None
        slot = reasm.find(kid, c)
        if slot >= 0 and reasm.has(slot, idx):
            self.reason = "duplicate-fragment"
            return None
        data_end = end
        if not ed:
            data_end = end - _TAG_LEN
            if data_end <= p + 7:
                self.reason = "short"
                return None
            if not st[_KEY].check(memoryview(adv)[p:data_end], adv, data_end):
                self.reason = "bad-tag"
                return None
        got = reasm.put(kid, c, vt, idx, last, adv, p + 7, data_end, now)
        if got == _PUT_STORED:
            self.reason = "partial"
            return None
        if got == _PUT_BAD_LENGTH:
            self.reason = "bad-length"
            return None
        if got == _PUT_CONFLICT:
            self.reason = "fragment-conflict"
            return None
        if got != _PUT_COMPLETE:
            self.reason = "duplicate-fragment"
            return None
        slot = reasm.find(kid, c)
        data = reasm.take(slot)
        if ed:
            size = len(data) - _SIG_LEN
            verify = self._ed_verify
            if size < 0 or verify is None:
                reasm.drop(slot)
                self.reason = "short"
                return None
            signed = ed25519_signed_input(self.company, vt, kid, c, last, data[:size])
            if not verify(st[_KEY], signed, bytes(data[size:])):
                reasm.drop(slot)
                self.reason = "bad-signature"
                return None
            data = data[:size]
        body = bytes(data)
        reasm.drop(slot)
        return self._accept(st, kid, c, vt & 0x0F, body, now)

    def _accept(
        self, st: "list[Any]", kid: int, c: int, msg_type: int, body: bytes, now: int
    ) -> "AlertMessage | None":
        hwm = st[_HWM]
        if c > hwm and hwm and c - hwm > self.max_jump:
            self.reason = "counter-jump"
            return None
        try:
            fields = decode_body(msg_type, body)
        except AlertError:
            self.reason = "bad-body"
            return None
        if self._clock_trusted:
            if msg_type == _TYPE_TIME:
                # Judged on its full 32-bit time, not the 16-bit issued minute: one
                # older than its TTL never sets the clock back, and one "from the
                # future" moves a clock that was behind forward.
                ttl = fields["ttl"]
                late = ttl and fields["unix"] + ttl * 60 < now
            else:
                late = minutes_left(fields["ttl"], fields["issued"], now) < 0
            if late:
                # Not marked as seen: a badge whose clock was wrong may take it once fixed.
                self.reason = "expired"
                return None
        if c > hwm:
            shift = c - hwm
            if shift < WINDOW:
                st[_SEEN] = ((st[_SEEN] & (_WINDOW_ALL >> shift)) << shift) | 1
            else:
                st[_SEEN] = 1
            st[_HWM] = c
        else:
            st[_SEEN] |= 1 << (hwm - c)
        if msg_type == _TYPE_REVOKE:
            for key_id in fields["key_ids"]:
                self._revoke(key_id)
        elif msg_type == _TYPE_TIME and c > hwm:
            self.clock_update = fields["unix"]
        if self.store is not None:
            self.store.save(self.state_bytes())
        self.accepted += 1
        self.reason = "accepted"
        return AlertMessage(msg_type, kid, c, fields)

    def _revoke(self, key_id: int) -> None:
        st = self._keys.get(key_id)
        if st is None:
            self._orphans[key_id] = [self._orphans.get(key_id, [0, 0])[0], _FLAG_REVOKED]
            return
        st[_REVOKED] = True
        st[_MASK] = 0
        self._reasm_hmac.drop_key(key_id)
        if self._reasm_ed is not None:
            self._reasm_ed.drop_key(key_id)

    def is_revoked(self, key_id: int) -> bool:
        st = self._keys.get(key_id)
        if st is None:
            return bool(self._orphans.get(key_id, [0, 0])[1])
        return bool(st[_REVOKED])

    def pending(self) -> int:
        """Partial messages waiting for fragments."""
        count = self._reasm_hmac.in_use()
        if self._reasm_ed is not None:
            count += self._reasm_ed.in_use()
        return count

    def expire(self, now: int) -> int:
        """Free partial messages older than the timeout (call now and then)."""
        freed = self._reasm_hmac.expire(now)
        if self._reasm_ed is not None:
            freed += self._reasm_ed.expire(now)
        return freed
