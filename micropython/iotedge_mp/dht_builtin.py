"""DHT22 through MicroPython's built-in ``dht`` module, decoded by iotedge.core.dht22.

The built-in module reads the 40 bits well but decodes them into floats with
sign-magnitude only (a two's-complement clone at -10.1 C reads -3266.7) and raises
a bare ``Exception("checksum error")``. So this backend lets it capture the bytes
(``measure()`` fills ``sensor.buf``) and decodes ``buf`` itself: integers in
tenths, both encodings, and the same DHT*Error types as every other backend.
"""

import errno

from iotedge.core import dht22
from iotedge.core.errors import DHTError, DHTNoResponseError


class BuiltinDHT22:
    def __init__(self, pin):
        import dht
        import machine

        if not hasattr(pin, "init"):
            pin = machine.Pin(pin)
        self.sensor = dht.DHT22(pin)

    def read_raw(self):
        """(temperature, humidity) in tenths, or a DHTError."""
        sensor = self.sensor
        try:
            sensor.measure()
        except OSError as exc:
            # No "raise ... from exc": MicroPython prints "Warning: exception chaining not
            # supported" for it, on the board's console, at every failed read.
            if exc.args and exc.args[0] == errno.ETIMEDOUT:
                # The module times out the same way whether the sensor never answered or
                # stopped mid-frame.
                raise DHTNoResponseError("no-response", "dht: ETIMEDOUT, no answer or a cut frame")  # noqa: B904
            raise DHTError("backend-error", "dht: " + repr(exc))  # noqa: B904
        except Exception as exc:  # the module's checksum error: decode_frame explains it
            if "checksum" not in str(exc):
                raise DHTError("backend-error", "dht: " + repr(exc))  # noqa: B904
        return dht22.decode_frame(sensor.buf)
