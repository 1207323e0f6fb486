"""Stand-in ``machine`` module for the MicroPython unix port (tests and demos only).

Enough of a Pico W for the iotedge device apps: ``Pin`` wired to a simulated DHT22
(iotedge_mp.sim_dht22, configured by $IOTEDGE_SIM_DHT22), ``time_pulse_us`` replaying
its waveform in virtual time, ``ADC(4)`` (the RP2040 temperature sensor, value from
$IOTEDGE_STANDIN_ADC4, default 14000), a ``WDT`` that really resets (kills the
process, as a board reboots) when not fed in time, ``reset``, ``unique_id``,
``disable_irq``/``enable_irq``.
"""

import os
import sys
import time

try:
    import _thread
except ImportError:  # pragma: no cover
    _thread = None


def _sim():
    from iotedge_mp import sim_dht22

    return sim_dht22.shared()


class Pin:
    IN = 0
    OUT = 1
    OPEN_DRAIN = 2
    PULL_UP = 1
    PULL_DOWN = 2

    def __init__(self, id, mode=-1, pull=-1, value=None):
        self.id = id
        self.mode = Pin.IN
        self._value = 1
        self._segments = None
        self._cursor = 0
        self.init(mode, pull, value)

    def init(self, mode=-1, pull=-1, value=None):
        if value is not None:
            self._value = 1 if value else 0
        if mode == -1:
            return
        if self.mode == Pin.OUT and mode == Pin.IN and self._value == 0:
            # The host released the line after its start signal: the sensor answers.
            self._segments = _sim().trigger()
            self._cursor = 0
        self.mode = mode

    def value(self, v=None):
        if v is None:
            if self.mode == Pin.IN and self._segments is not None:
                return self._level(self._cursor)
            return self._value
        self._value = 1 if v else 0
        return None

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)

    def __call__(self, v=None):
        return self.value(v)

    def _level(self, index):
        # Segments alternate starting high; past the end the line idles high.
        if self._segments is None or index >= len(self._segments):
            return 1
        return 1 if index % 2 == 0 else 0


def time_pulse_us(pin, pulse_level, timeout_us=1000000):
    """Replays the pin's waveform: -2 waiting for the level timed out, -1 the pulse did."""
    waited = 0
    segments = pin._segments or []
    while pin._cursor < len(segments) and pin._level(pin._cursor) != pulse_level:
        waited += segments[pin._cursor]
        pin._cursor += 1
        if waited > timeout_us:
            return -2
    if pin._cursor >= len(segments):
        # Idle high after the frame: a high "pulse" never ends, a low never starts.
        return -1 if pulse_level == 1 else -2
    width = segments[pin._cursor]
    pin._cursor += 1
    return width if width <= timeout_us else -1


def disable_irq():
    return 0


def enable_irq(state=0):
    return None


class ADC:
    CORE_TEMP = 4

    def __init__(self, channel):
        self.channel = channel

    def read_u16(self):
        return int(os.getenv("IOTEDGE_STANDIN_ADC%d" % self.channel) or "14000")


def unique_id():
    return bytes((0xE6, 0x61, 0x64, 0x08, 0x43, 0x2A, 0x5B, 0x2C))


def freq(hz=None):
    return 125000000


def idle():
    time.sleep_ms(1)


def reset():
    sys.stderr.write("machine.reset()\n")
    _kill()


def _kill():
    # No os._exit on the unix port: the shell's parent is this interpreter.
    os.system("kill -9 $PPID")
    while True:
        time.sleep_ms(100)


class WDT:
    """Resets the 'board' (SIGKILL) when feed() is not called within timeout ms."""

    def __init__(self, id=0, timeout=5000):
        self.timeout = timeout
        self._last = time.ticks_ms()
        if _thread is not None:
            _thread.start_new_thread(self._watch, ())

    def feed(self):
        self._last = time.ticks_ms()

    def _watch(self):
        while True:
            time.sleep_ms(50)
            if time.ticks_diff(time.ticks_ms(), self._last) > self.timeout:
                sys.stderr.write("WDT: not fed for %d ms, resetting\n" % self.timeout)
                _kill()
