"""DHT22 / AM2302 frames and pulse trains, decoded to integers in tenths.

Source: Aosong AM2302 / DHT22 datasheet ("Digital-output relative humidity &
temperature sensor/module DHT22 (DHT22 also named as AM2302)"), sections on the
single-bus data format and its timing. See docs/dht22.md for the byte and bit layout.

The sensor sends 40 bits, most significant first::

    byte 0-1  relative humidity x10, unsigned        0x028C -> 652 -> 65.2 %RH
    byte 2-3  temperature x10, bit 15 = sign          0x8065 -> -101 -> -10.1 C
    byte 4    checksum = low byte of byte0+..+byte3

Some clone sensors send the temperature in two's complement instead
(-10.1 C as 0xFF9B). The two encodings cannot collide inside the sensor's
-40..80 C range: sign-magnitude negatives are 0x8001..0x8190, two's-complement
negatives are 0xFE70..0xFFFF, so both are accepted and told apart by value.

Each bit is a low of ~50 us followed by a high whose width is the bit:
26-28 us for 0, 70 us for 1. :func:`decode_pulses` turns a list of those high
widths (what ``machine.time_pulse_us``, PIO or a capture peripheral measures) into
the frame, with a threshold of 49 us that tolerates +/-20 us of jitter on both.
"""

from ._compat import const
from .errors import DHTChecksumError, DHTPulseError, DHTRangeError, EncodeError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Sequence

FRAME_BYTES = const(5)
FRAME_BITS = const(40)

# Sensor range from the datasheet, in tenths.
TEMPERATURE_MIN = const(-400)
TEMPERATURE_MAX = const(800)
HUMIDITY_MAX = const(1000)

# Nominal high widths (datasheet typical values) and the decision threshold.
ZERO_US = const(26)
ONE_US = const(70)
# Midway between the longest nominal 0 (28 us) and the 1 (70 us): a 0 may grow to
# 48 us and a 1 shrink to 49 us and still decode, i.e. at least +/-20 us of jitter.
THRESHOLD_US = const(49)
# No real bit high lasts this long (75 us max + jitter); a longer one is two bits
# merged by a missed edge, or the line stuck high.
MAX_BIT_US = const(110)

SIGN_MAGNITUDE = "sign-magnitude"
TWOS_COMPLEMENT = "twos-complement"


def checksum(frame: "Sequence[int]") -> int:
    """Low byte of the sum of the first four bytes."""
    return (frame[0] + frame[1] + frame[2] + frame[3]) & 0xFF


def _temperature(raw: int) -> "tuple[int, str]":
    """(tenths, encoding) for the 16-bit temperature field, or DHTRangeError."""
    if not raw & 0x8000:
        if raw > TEMPERATURE_MAX:
            raise DHTRangeError(
                "temperature-range",
                "raw 0x" + _hex16(raw) + " is " + format_tenths(raw) + " C, above 80.0",
                2,
            )
        return raw, SIGN_MAGNITUDE
    magnitude = raw & 0x7FFF
    if magnitude <= -TEMPERATURE_MIN:
        return -magnitude, SIGN_MAGNITUDE
    value = raw - 0x10000
    if value >= TEMPERATURE_MIN:
        return value, TWOS_COMPLEMENT
    raise DHTRangeError(
        "temperature-range",
        "raw 0x"
        + _hex16(raw)
        + " is "
        + format_tenths(-magnitude)
        + " C as sign-magnitude and "
        + format_tenths(value)
        + " C as two's complement, both below -40.0",
        2,
    )


def _check_frame(frame: "Sequence[int]") -> None:
    if len(frame) != FRAME_BYTES:
        raise DHTPulseError("frame-length", "need 5 bytes, got " + str(len(frame)))
    expected = checksum(frame)
    if frame[4] != expected:
        raise DHTChecksumError(
            "bad-checksum",
            "byte 4 is 0x" + _hex8(frame[4]) + ", sum of bytes 0-3 gives 0x" + _hex8(expected),
            4,
        )


def _humidity(frame: "Sequence[int]") -> int:
    humidity = (frame[0] << 8) | frame[1]
    if humidity > HUMIDITY_MAX:
        raise DHTRangeError(
            "humidity-range", "raw " + str(humidity) + " is " + format_tenths(humidity) + " %RH", 0
        )
    return humidity


def decode_frame(frame: "Sequence[int]") -> "tuple[int, int]":
    """(temperature, humidity) in tenths of a degree C and of a %RH.

    Raises DHTChecksumError, DHTRangeError, or DHTPulseError for a wrong length.
    """
    _check_frame(frame)
    humidity = _humidity(frame)
    temperature = _temperature((frame[2] << 8) | frame[3])[0]
    return temperature, humidity


def temperature_encoding(frame: "Sequence[int]") -> str:
    """Which encoding a valid frame's temperature uses (SIGN_MAGNITUDE or TWOS_COMPLEMENT).

    A positive temperature is the same in both and reports SIGN_MAGNITUDE.
    """
    _check_frame(frame)
    return _temperature((frame[2] << 8) | frame[3])[1]


def pack_raw(humidity_raw: int, temperature_raw: int, check: int = -1) -> bytes:
    """Five bytes from raw 16-bit fields, no range checks (for simulators and tests).

    ``check`` overrides the checksum byte (a bad-checksum frame); -1 computes it.
    """
    head = bytes(
        (
            (humidity_raw >> 8) & 0xFF,
            humidity_raw & 0xFF,
            (temperature_raw >> 8) & 0xFF,
            temperature_raw & 0xFF,
        )
    )
    if check < 0:
        check = checksum(head)
    return head + bytes((check & 0xFF,))


def encode_frame(temperature: int, humidity: int, clone: bool = False) -> bytes:
    """The frame a sensor sends for a reading in tenths.

    ``clone`` encodes a negative temperature in two's complement, as some clones do.
    """
    if temperature < TEMPERATURE_MIN or temperature > TEMPERATURE_MAX:
        raise EncodeError("temperature-range", str(temperature) + " tenths outside -400..800")
    if humidity < 0 or humidity > HUMIDITY_MAX:
        raise EncodeError("humidity-range", str(humidity) + " tenths outside 0..1000")
    if temperature >= 0:
        raw = temperature
    elif clone:
        raw = temperature + 0x10000
    else:
        raw = 0x8000 | -temperature
    return pack_raw(humidity, raw)


def frame_from_bits(bits: "Sequence[int]") -> bytearray:
    """Pack 40 bits (ints 0/1, most significant first) into 5 bytes."""
    if len(bits) != FRAME_BITS:
        raise DHTPulseError("bit-count", "need 40 bits, got " + str(len(bits)))
    frame = bytearray(FRAME_BYTES)
    for i in range(FRAME_BITS):
        bit = bits[i]
        if bit != 0 and bit != 1:
            raise DHTPulseError("bad-bit", "bit " + str(i) + " is " + str(bit) + ", not 0 or 1")
        frame[i >> 3] = (frame[i >> 3] << 1) | bit
    return frame


def decode_pulses(widths: "Sequence[int]", threshold_us: int = THRESHOLD_US) -> bytearray:
    """The 5-byte frame from high-pulse widths in microseconds.

    The last 40 widths are the bits; anything before them (typically the sensor's
    80 us response high) is ignored. Negative widths are the timeout codes of
    ``machine.time_pulse_us`` and count as bad widths. Raises DHTPulseError with
    reason ``too-few-pulses`` or ``bad-width`` (offset = index into ``widths``).
    The checksum is not checked here: :func:`decode_frame` does it.
    """
    count = len(widths)
    if count < FRAME_BITS:
        raise DHTPulseError(
            "too-few-pulses", "got " + str(count) + " high pulses, need 40 (a missed edge?)"
        )
    first = count - FRAME_BITS
    frame = bytearray(FRAME_BYTES)
    for i in range(FRAME_BITS):
        width = widths[first + i]
        if width <= 0 or width > MAX_BIT_US:
            raise DHTPulseError(
                "bad-width",
                "bit "
                + str(i)
                + " high lasted "
                + str(width)
                + " us, expected 1.."
                + str(MAX_BIT_US),
                first + i,
            )
        frame[i >> 3] = (frame[i >> 3] << 1) | (1 if width >= threshold_us else 0)
    return frame


def read_pulses(widths: "Sequence[int]", threshold_us: int = THRESHOLD_US) -> "tuple[int, int]":
    """(temperature, humidity) in tenths straight from high-pulse widths."""
    return decode_frame(decode_pulses(widths, threshold_us))


def bit_widths(frame: "Sequence[int]", zero_us: int = ZERO_US, one_us: int = ONE_US) -> "list[int]":
    """The 40 nominal high widths that carry ``frame`` (no jitter)."""
    out = []
    for i in range(FRAME_BITS):
        out.append(one_us if (frame[i >> 3] >> (7 - (i & 7))) & 1 else zero_us)
    return out


def format_tenths(value: int) -> str:
    """Tenths as decimal text with one digit after the point: -101 -> "-10.1"."""
    sign = "-" if value < 0 else ""
    value = -value if value < 0 else value
    return sign + str(value // 10) + "." + str(value % 10)


_HEX = "0123456789abcdef"


def _hex8(value: int) -> str:
    return _HEX[(value >> 4) & 15] + _HEX[value & 15]


def _hex16(value: int) -> str:
    return _hex8(value >> 8) + _hex8(value)
