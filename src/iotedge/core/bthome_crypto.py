"""BTHome v2 encryption: AES-CCM with a 4-byte MIC and the spec's nonce."""

# Encrypted BTHome v2 service data (the bytes after the 16-bit UUID 0xFCD2):
#
# ====================  =====  ==============================================
# field                 bytes  notes
# ====================  =====  ==============================================
# device info           1      bit 0 encrypted (set), bit 1 MAC included,
#                              bit 2 trigger based, bits 5-7 version (2)
# MAC (only if bit 1)   6      the device's MAC, least significant byte first
# ciphertext            n      the BTHome objects, encrypted
# counter               4      unsigned, little-endian, sent in clear
# MIC                   4      the CCM tag
# ====================  =====  ==============================================
#
# The 13-byte nonce is MAC (6 bytes in display order, ``54:48:E6:8F:80:A5`` gives
# ``54 48 e6 8f 80 a5``), the UUID little-endian (``d2 fc``), the device info byte
# and the counter's 4 bytes as sent (bthome.io/encryption). There is no associated
# data in v2. With bit 1 set the nonce uses the MAC carried in the frame (what the
# sender used, whatever address it advertised from), as bthome-ble does.
#
# Decoding never keeps state: whether a counter is new is the business of
# :class:`iotedge.core.bthome_replay.ReplayGuard`, asked by the caller (check the
# counter from :func:`frame_counter`, decrypt, decode, then commit).

from struct import pack_into

from ._compat import IS_MICROPYTHON, const
from .ccm import new_ccm
from .errors import DecryptError, EncodeError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_FLAG_ENCRYPTED = const(0x01)
_FLAG_MAC_INCLUDED = const(0x02)
_VERSION_SHIFT = const(5)
_VERSION = const(2)
_MAC_LEN = const(6)
_TRAILER_LEN = const(8)  # counter + MIC
_MIC_LEN = const(4)
_KEY_LEN = const(16)
_UUID_LE = b"\xd2\xfc"  # 0xFCD2, least significant byte first
_COUNTER_MAX = 0xFFFFFFFF  # not const(): above MicroPython's small-int range


def _check_frame(service_data: bytes) -> int:
    """Validate the frame around the ciphertext; return where the ciphertext starts."""
    n = len(service_data)
    if n < 1:
        raise DecryptError("too-short", "no device info byte", 0)
    info = service_data[0]
    if not info & _FLAG_ENCRYPTED:
        raise DecryptError("not-encrypted", "device info " + hex(info) + " has bit 0 clear", 0)
    if info >> _VERSION_SHIFT != _VERSION:
        raise DecryptError(
            "bad-version", "device info " + hex(info) + " is not BTHome version 2", 0
        )
    start = 1 + _MAC_LEN if info & _FLAG_MAC_INCLUDED else 1
    if n < start + _TRAILER_LEN:
        raise DecryptError(
            "too-short",
            str(n)
            + " bytes cannot hold the header, counter and MIC ("
            + str(start + _TRAILER_LEN)
            + " at least)",
            n,
        )
    return start


def _check_key(key: "bytes | None", error: "Any") -> None:
    if not key:
        raise error("no-key", "the frame is encrypted and no key was given")
    if len(key) != _KEY_LEN:
        raise error("bad-key-length", "BTHome keys are 16 bytes, got " + str(len(key)) + " bytes")


def _check_mac(mac: bytes, start: int) -> None:
    # With the MAC in the frame (start 7) the caller's MAC may be empty.
    if len(mac) != _MAC_LEN and not (start != 1 and not mac):
        raise DecryptError("bad-mac-length", "a MAC is 6 bytes, got " + str(len(mac)) + " bytes")


def _counter_at(sd: bytes, at: int) -> int:
    return sd[at] | sd[at + 1] << 8 | sd[at + 2] << 16 | sd[at + 3] << 24


def frame_counter(service_data: bytes) -> int:
    # The counter of encrypted BTHome v2 service data, read without decrypting
    # (it travels in clear), e.g. for :meth:`ReplayGuard.check` before the MIC work.
    # Raises DecryptError as :func:`decrypt_payload` does for a malformed frame.
    _check_frame(service_data)
    return _counter_at(service_data, len(service_data) - _TRAILER_LEN)


class PayloadCipher:
    # BTHome v2 encryption under one key, backend chosen once, buffers reused.
    # ``backend`` as for :func:`iotedge.core.ccm.new_ccm` (empty: the fastest). On
    # the ``cryptography`` path calls share no state; on the portable path (boards,
    # or CPython without ``cryptography``) they share the CCM buffers and the nonce
    # buffer, so one object must not be used from two threads at once.

    def __init__(self, key: bytes, backend: str = "") -> None:
        _check_key(key, DecryptError)
        self._ccm = new_ccm(bytes(key), _MIC_LEN, backend)
        self.backend = self._ccm.backend
        self._fast = self.backend == "aead"
        nonce = bytearray(13)
        nonce[6] = _UUID_LE[0]
        nonce[7] = _UUID_LE[1]
        self._nonce = nonce

    def _fill_nonce(
        self, mac: "Any", mac_start: int, reverse: bool, info: int, ctr: "Any", at: int
    ) -> bytearray:
        nonce = self._nonce
        for i in range(_MAC_LEN):
            nonce[i] = mac[mac_start + (_MAC_LEN - 1 - i if reverse else i)]
        nonce[8] = info
        for i in range(4):
            nonce[9 + i] = ctr[at + i]
        return nonce

    def decrypt(self, mac: bytes, service_data: bytes) -> "tuple[bytes, int]":
        # Check the MIC and return (plaintext object bytes, counter).
        # ``mac``: the 6-byte device address in display order; may be empty when the
        # frame carries its MAC (device info bit 1). Raises DecryptError.
        return self._decrypt(mac, service_data, _check_frame(service_data))

    def _decrypt(self, mac: bytes, sd: bytes, start: int) -> "tuple[bytes, int]":
        n = len(sd)
        ctr_at = n - _TRAILER_LEN
        if not self._fast:
            out = bytearray(ctr_at - start)
            self._decrypt_into(mac, sd, start, out, 0)
            return bytes(out), _counter_at(sd, ctr_at)
        # CPython with cryptography: lengths are checked, so straight to OpenSSL
        # with a fresh nonce (no shared state on this path).
        _check_mac(mac, start)
        if type(sd) is not bytes:
            sd = bytes(sd)
        counter_bytes = sd[ctr_at : ctr_at + 4]
        if start != 1:
            nonce = sd[6:0:-1] + _UUID_LE + sd[0:1] + counter_bytes
        else:
            nonce = bytes(mac) + _UUID_LE + sd[0:1] + counter_bytes
        plain = self._ccm.open_checked(nonce, sd[start:ctr_at] + sd[n - _MIC_LEN : n], None)  # type: ignore[union-attr]
        return plain, int.from_bytes(counter_bytes, "little")

    def decrypt_into(self, mac: bytes, service_data: bytes, out: bytearray, offset: int = 0) -> int:
        # Check the MIC, write the plaintext objects into ``out`` at ``offset`` and
        # return their length. Allocates nothing on MicroPython with ``cryptolib``;
        # read the counter with :func:`frame_counter`. Raises DecryptError (and
        # DecryptError ``"buffer-too-small"`` when ``out`` cannot hold the plaintext).
        return self._decrypt_into(mac, service_data, _check_frame(service_data), out, offset)

    def _decrypt_into(self, mac: bytes, sd: bytes, start: int, out: bytearray, offset: int) -> int:
        _check_mac(mac, start)
        n = len(sd)
        ctr_at = n - _TRAILER_LEN
        length = ctr_at - start
        if len(out) - offset < length:
            raise DecryptError(
                "buffer-too-small",
                str(length) + " bytes needed, " + str(len(out) - offset) + " available",
            )
        if start != 1:
            nonce = self._fill_nonce(sd, 1, True, sd[0], sd, ctr_at)
        else:
            nonce = self._fill_nonce(mac, 0, False, sd[0], sd, ctr_at)
        self._ccm.decrypt_into(nonce, sd, start, length, sd, n - _MIC_LEN, b"", out, offset)
        return length

    def encrypt_into(
        self,
        mac: bytes,
        device_info: int,
        plaintext: bytes,
        counter: int,
        out: bytearray,
        offset: int = 0,
    ) -> int:
        # Write the whole encrypted service data into ``out`` at ``offset`` and
        # return its length. Allocates nothing on MicroPython with ``cryptolib``.
        #
        # ``device_info`` gets bit 0 (encrypted) set; with bit 1 set the MAC is
        # written into the frame. Raises EncodeError.
        if len(mac) != _MAC_LEN:
            raise EncodeError("bad-mac-length", "a MAC is 6 bytes, got " + str(len(mac)) + " bytes")
        if not isinstance(device_info, int) or device_info < 0 or device_info > 0xFF:
            raise EncodeError("bad-device-info", "the device info is one byte")
        if device_info >> _VERSION_SHIFT != _VERSION:
            raise EncodeError(
                "bad-version", "device info " + hex(device_info) + " is not BTHome version 2"
            )
        if not isinstance(counter, int) or counter < 0 or counter > _COUNTER_MAX:
            raise EncodeError("bad-counter", "the counter is an unsigned 32-bit integer")
        info = device_info | _FLAG_ENCRYPTED
        start = 1 + _MAC_LEN if info & _FLAG_MAC_INCLUDED else 1
        length = len(plaintext)
        size = start + length + _TRAILER_LEN
        if len(out) - offset < size:
            raise EncodeError(
                "buffer-too-small",
                str(size) + " bytes needed, " + str(len(out) - offset) + " available",
            )
        out[offset] = info
        if start != 1:
            for i in range(_MAC_LEN):
                out[offset + 1 + i] = mac[_MAC_LEN - 1 - i]
        ctr_at = offset + start + length
        pack_into("<I", out, ctr_at, counter)
        if self._fast:
            # A fresh nonce: the cryptography path shares no state between calls.
            nonce: "bytes | bytearray" = (
                bytes(mac) + _UUID_LE + bytes((info,)) + bytes(out[ctr_at : ctr_at + 4])
            )
        else:
            nonce = self._fill_nonce(mac, 0, False, info, out, ctr_at)
        self._ccm.encrypt_into(
            nonce, plaintext, 0, length, b"", out, offset + start, out, ctr_at + 4
        )
        return size

    def encrypt(self, mac: bytes, device_info: int, plaintext: bytes, counter: int) -> bytes:
        """Return the whole encrypted service data (see :meth:`encrypt_into`)."""
        start = 1 + _MAC_LEN if device_info & _FLAG_MAC_INCLUDED else 1
        out = bytearray(start + len(plaintext) + _TRAILER_LEN)
        self.encrypt_into(mac, device_info, plaintext, counter, out, 0)
        return bytes(out)


# One PayloadCipher per key, so the module functions pay the key schedule once.
# Bounded; when full it is emptied (no ordering assumptions, which MicroPython's
# dict does not guarantee). Boards rarely hold more than one or two keys.
_CACHE_LIMIT = 4 if IS_MICROPYTHON else 256
_ciphers: "dict[bytes, PayloadCipher]" = {}
_backend = [""]  # the CCM backend of the module functions ("" = the fastest)


def set_backend(backend: str = "") -> None:
    # Choose the CCM backend behind :func:`decrypt_payload` / :func:`encrypt_payload`
    # (and so ``bthome.decode``): ``""`` the fastest, or a name accepted by
    # :func:`iotedge.core.ccm.new_ccm` (benchmarks force ``"pure-python"``).
    # Empties the per-key cache.
    new_ccm(bytes(_KEY_LEN), _MIC_LEN, backend)  # refuse an unknown name now
    _backend[0] = backend
    _ciphers.clear()


def cipher_for(key: bytes) -> PayloadCipher:
    """The cached :class:`PayloadCipher` for ``key`` (made on first use)."""
    k = bytes(key)
    cipher = _ciphers.get(k)
    if cipher is None:
        cipher = PayloadCipher(k, _backend[0])
        if len(_ciphers) >= _CACHE_LIMIT:
            _ciphers.clear()
        _ciphers[k] = cipher
    return cipher


def decrypt_payload(key: "bytes | None", mac: bytes, service_data: bytes) -> "tuple[bytes, int]":
    # Decrypt BTHome v2 service data (everything after the 0xFCD2 UUID).
    # Returns (plaintext object bytes, counter). Raises DecryptError with reason
    # ``too-short``, ``not-encrypted``, ``bad-version``, ``no-key``,
    # ``bad-key-length``, ``bad-mac-length`` or ``bad-mic``.
    start = _check_frame(service_data)
    _check_key(key, DecryptError)
    return cipher_for(key)._decrypt(mac, service_data, start)  # type: ignore[arg-type]


def encrypt_payload(
    key: bytes, mac: bytes, device_info: int, plaintext: bytes, counter: int
) -> bytes:
    # Return whole BTHome v2 service data: device info (encrypted bit set),
    # [MAC if device info bit 1], ciphertext, counter (4 bytes LE), MIC.
    #
    # Raises EncodeError (``no-key``, ``bad-key-length``, ``bad-mac-length``,
    # ``bad-device-info``, ``bad-version``, ``bad-counter``).
    _check_key(key, EncodeError)
    return cipher_for(key).encrypt(mac, device_info, plaintext, counter)
