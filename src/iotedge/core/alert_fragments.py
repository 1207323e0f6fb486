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

PUT_STORED = const(0)
PUT_COMPLETE = const(1)
PUT_DUPLICATE = const(2)
PUT_CONFLICT = const(3)
PUT_BAD_LENGTH = const(4)


def split(data: bytes, chunk: int) -> "list[bytes]":
    """Cut ``data`` into ``chunk``-byte pieces (the last may be shorter)."""
    return [data[i : i + chunk] for i in range(0, len(data), chunk)]


class Reassembler:
    """Partial messages keyed by (key id, counter), in ``slots`` preallocated buffers."""

    def __init__(
        self, slots: int = 4, chunk: int = 17, max_fragments: int = 16, timeout: int = 120
    ):
        self.slots = slots
        self.chunk = chunk
        self.timeout = timeout
        # Two parallel lists rather than one combined int: a counter is 32 bits and
        # a combined key would be a heap-allocated long on a 32-bit board.
        self._kid = [0] * slots  # 0 when the slot is free (key ids are 1..255)
        self._ctr = [0] * slots
        self._vt = [0] * slots
        self._last = [0] * slots
        self._have = [0] * slots  # bit i set when fragment i is stored
        self._size = [0] * slots  # length of the last fragment
        self._started = [0] * slots
        self._buf = [bytearray(chunk * max_fragments) for _ in range(slots)]
        self.evicted = 0

    def find(self, key_id: int, counter: int) -> int:
        """Slot holding (key id, counter), or -1."""
        kids = self._kid
        for i in range(self.slots):
            if kids[i] == key_id and self._ctr[i] == counter:
                return i
        return -1

    def has(self, slot: int, index: int) -> bool:
        """True when fragment ``index`` of the message in ``slot`` is already stored."""
        return bool(self._have[slot] >> index & 1)

    def _claim(self, now: int) -> int:
        kids = self._kid
        oldest = 0
        for i in range(self.slots):
            if kids[i] == 0:
                return i
            if now - self._started[i] > self.timeout:
                return i
            if self._started[i] < self._started[oldest]:
                oldest = i
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
        slot = self.find(key_id, counter)
        if slot >= 0 and (self._vt[slot] != vt or self._last[slot] != last):
            result = PUT_CONFLICT
            self._have[slot] = 0
            self._started[slot] = now
        elif slot < 0:
            slot = self._claim(now)
            self._kid[slot] = key_id
            self._ctr[slot] = counter
            self._have[slot] = 0
            self._started[slot] = now
        elif self._have[slot] >> index & 1:
            return PUT_DUPLICATE
        self._vt[slot] = vt
        self._last[slot] = last
        at = index * self.chunk
        self._buf[slot][at : at + size] = data[start:end]
        if index == last:
            self._size[slot] = size
        self._have[slot] |= 1 << index
        if result == PUT_STORED and self._have[slot] == (2 << last) - 1:
            return PUT_COMPLETE
        return result

    def length(self, slot: int) -> int:
        return self._last[slot] * self.chunk + self._size[slot]

    def take(self, slot: int) -> memoryview:
        """The reassembled bytes of a complete slot; valid until the slot is reused."""
        return memoryview(self._buf[slot])[: self.length(slot)]

    def drop(self, slot: int) -> None:
        self._kid[slot] = 0
        self._have[slot] = 0

    def drop_key(self, key_id: int) -> None:
        """Forget every partial message of ``key_id`` (its key was revoked)."""
        for i in range(self.slots):
            if self._kid[i] == key_id:
                self.drop(i)

    def expire(self, now: int) -> int:
        """Free slots older than the timeout; returns how many were freed."""
        freed = 0
        for i in range(self.slots):
            if self._kid[i] and now - self._started[i] > self.timeout:
                self.drop(i)
                freed += 1
        return freed

    def in_use(self) -> int:
        return sum(1 for k in self._kid if k)
