"""Reassembly of fragmented alert messages with bounded memory.

A message longer than one advert travels as up to 16 fragments sharing its
(key id, counter). The badge keeps at most ``slots`` partial messages, each in a
buffer allocated once at start-up, so a flood of fragments can never make it
allocate more: a new message takes a free slot, else an expired one (older than
``timeout`` seconds, time passed in), else the slot started longest ago.

Every full fragment carries exactly ``chunk`` bytes and only the last may be
shorter, so fragment ``i`` lands at ``i * chunk`` and the message length is known
once the last one is in. The reassembler does no cryptography: the receiver
verifies each HMAC fragment before :meth:`Reassembler.put`, or the Ed25519
signature over the whole message once :meth:`Reassembler.put` reports it complete.
"""

from ._compat import const

TYPE_CHECKING = const(False)
if TYPE_CHECKING:
    from typing import Any

PUT_STORED = const(0)
PUT_COMPLETE = const(1)
PUT_DUPLICATE = const(2)
PUT_CONFLICT = const(3)
PUT_BAD_LENGTH = const(4)


# Fields of one slot, a small list (a list indexes faster than attributes, and one
# list per slot costs less RAM than one list per field). Key id and counter stay two
# fields rather than one combined int: a counter is 32 bits and a combined key would
# be a heap-allocated long on a 32-bit board.
_KID = const(0)  # key id, 0 when the slot is free (key ids are 1..255)
_CTR = const(1)  # counter
_VT = const(2)  # VT byte of the message
_LAST = const(3)  # last fragment index
_HAVE = const(4)  # bit i set when fragment i is stored
_SIZE = const(5)  # length of the last fragment
_STARTED = const(6)  # ``now`` when the message took the slot
_BUF = const(7)  # chunk * max_fragments bytes, allocated once


class Reassembler:
    """Partial messages keyed by (key id, counter), in ``slots`` preallocated buffers."""

    def __init__(
        self, slots: int = 4, chunk: int = 17, max_fragments: int = 16, timeout: int = 120
    ):
        self.slots = slots
        self.chunk = chunk
        self.timeout = timeout
        self._slot: list[list[Any]] = []
        for _ in range(slots):
            self._slot.append([0, 0, 0, 0, 0, 0, 0, bytearray(chunk * max_fragments)])
        self.evicted = 0

    def find(self, key_id: int, counter: int) -> int:
        """Slot holding (key id, counter), or -1."""
        i = 0
        for s in self._slot:
            if s[_KID] == key_id and s[_CTR] == counter:
                return i
            i += 1
        return -1

    def has(self, slot: int, index: int) -> bool:
        """True when fragment ``index`` of the message in ``slot`` is already stored."""
        return bool(self._slot[slot][_HAVE] >> index & 1)

    def _claim(self, now: int) -> "list[Any]":
        oldest = self._slot[0]
        for s in self._slot:
            if s[_KID] == 0 or now - s[_STARTED] > self.timeout:
                return s
            if s[_STARTED] < oldest[_STARTED]:
                oldest = s
        self.evicted += 1
        return oldest

    def put(
        self,
        key_id: int,
        counter: int,
        vt: int,
        index: int,
        last: int,
        data: "bytes | bytearray | memoryview",
        start: int,
        end: int,
        now: int,
    ) -> int:
        """Store ``data[start:end]`` as fragment ``index`` of ``last + 1``.

        Returns PUT_COMPLETE when every fragment is in (read it with :meth:`take`),
        PUT_STORED, PUT_DUPLICATE (already had it), PUT_BAD_LENGTH (a full
        fragment that is not exactly ``chunk`` bytes, or an empty last one), or
        PUT_CONFLICT (same id but another type or fragment count: the partial
        message is discarded and this fragment starts it afresh).
        """
        size = end - start
        if size <= 0 or size > self.chunk or (index < last and size != self.chunk):
            return PUT_BAD_LENGTH
        result = PUT_STORED
        at = self.find(key_id, counter)
        if at < 0:
            s = self._claim(now)
            s[_KID] = key_id
            s[_CTR] = counter
            s[_HAVE] = 0
            s[_STARTED] = now
        else:
            s = self._slot[at]
            if s[_VT] != vt or s[_LAST] != last:
                result = PUT_CONFLICT
                s[_HAVE] = 0
                s[_STARTED] = now
            elif s[_HAVE] >> index & 1:
                return PUT_DUPLICATE
        s[_VT] = vt
        s[_LAST] = last
        at = index * self.chunk
        s[_BUF][at : at + size] = data[start:end]
        if index == last:
            s[_SIZE] = size
        s[_HAVE] |= 1 << index
        if result == PUT_STORED and s[_HAVE] == (2 << last) - 1:
            return PUT_COMPLETE
        return result

    def length(self, slot: int) -> int:
        s = self._slot[slot]
        size: int = s[_LAST] * self.chunk + s[_SIZE]
        return size

    def take(self, slot: int) -> memoryview:
        """The reassembled bytes of a complete slot; valid until the slot is reused."""
        return memoryview(self._slot[slot][_BUF])[: self.length(slot)]

    def drop(self, slot: int) -> None:
        s = self._slot[slot]
        s[_KID] = 0
        s[_HAVE] = 0

    def drop_key(self, key_id: int) -> None:
        """Forget every partial message of ``key_id`` (its key was revoked)."""
        for s in self._slot:
            if s[_KID] == key_id:
                s[_KID] = 0
                s[_HAVE] = 0

    def expire(self, now: int) -> int:
        """Free slots older than the timeout; returns how many were freed."""
        freed = 0
        for s in self._slot:
            if s[_KID] and now - s[_STARTED] > self.timeout:
                s[_KID] = 0
                s[_HAVE] = 0
                freed += 1
        return freed

    def in_use(self) -> int:
        count = 0
        for s in self._slot:
            if s[_KID]:
                count += 1
        return count
