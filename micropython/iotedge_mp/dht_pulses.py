"""DHT22 by pulse capture, for boards without the ``dht`` module.

Sends the start signal, then times the sensor's high pulses with
``machine.time_pulse_us`` and hands the 40 bit widths (after the response high) to
``iotedge.core.dht22.read_pulses`` (threshold 49 us, tolerant of +/-20 us of jitter).
Errors: ``DHTNoResponseError`` (``no-response``) when the line never goes low after
the start signal; ``DHTPulseError`` ``too-few-pulses`` when the capture ends early (a
missed edge, a frame cut short, the line stuck low or high mid-frame: each wait is
bounded by a 250 us timeout) and ``bad-width`` for a bit high longer than 110 us;
``DHTChecksumError`` / ``DHTRangeError`` from the frame. Interrupts are off while
capturing: each call has only the 50 us low between bits to re-arm, so keep the
loop tight (on slow ports prefer the ``dht`` module or a PIO program).
"""

import time

import machine

from iotedge.core import dht22
from iotedge.core.errors import DHTNoResponseError

_TIMEOUT_US = 250  # longest wait for a level: response (80 us) + margin


class PulseDHT22:
    def __init__(self, pin, start_ms=2):
        if not hasattr(pin, "init"):
            pin = machine.Pin(pin)
        self.pin = pin
        self.start_ms = start_ms  # start signal: >= 1 ms low (datasheet: 0.8-20 ms)
        self.widths = [0] * 41

    def capture(self):
        """High widths after the start signal: the response high, then up to 40 bits."""
        pin = self.pin
        widths = self.widths
        pulse = machine.time_pulse_us
        pin.init(machine.Pin.OUT, value=1)
        pin.value(0)
        time.sleep_ms(self.start_ms)
        state = machine.disable_irq()
        try:
            pin.init(machine.Pin.IN, machine.Pin.PULL_UP)
            if pulse(pin, 0, _TIMEOUT_US) < 0:
                return None
            count = 0
            while count < 41:
                width = pulse(pin, 1, _TIMEOUT_US)
                if width < 0:
                    break
                widths[count] = width
                count += 1
        finally:
            machine.enable_irq(state)
        return widths[:count]

    def read_raw(self):
        """(temperature, humidity) in tenths, or a DHTError."""
        widths = self.capture()
        if widths is None:
            raise DHTNoResponseError("no-response", "no response low after the start signal")
        # widths[0] is always the sensor's 80 us response high: decode only the bits,
        # so a capture that lost an edge has 39 and fails as too-few-pulses instead of
        # shifting the response high into bit 0 (then only the checksum caught it).
        return dht22.read_pulses(widths[1:])
