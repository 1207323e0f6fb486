"""Stand-in for MicroPython's built-in ``dht`` module, on the simulated DHT22.

Same surface as micropython-lib's drivers/dht/dht.py: ``DHT22(pin)`` with ``buf``
(the 5 raw bytes), ``measure()`` (OSError ETIMEDOUT when the sensor does not
answer, ``Exception("checksum error")``), and the float ``temperature()`` and
``humidity()`` with the same sign-magnitude-only decoding as the real module.
"""

import errno

import machine


def dht_readinto(pin, buf):
    pin.init(machine.Pin.OUT, value=0)
    pin.init(machine.Pin.IN)
    if machine.time_pulse_us(pin, 0, 200) < 0:
        raise OSError(errno.ETIMEDOUT)
    machine.time_pulse_us(pin, 1, 200)  # 80 us response high
    for i in range(40):
        width = machine.time_pulse_us(pin, 1, 200)
        if width < 0:
            raise OSError(errno.ETIMEDOUT)
        buf[i // 8] = (buf[i // 8] << 1) | (1 if width > 48 else 0)


class DHTBase:
    def __init__(self, pin):
        self.pin = pin
        self.buf = bytearray(5)

    def measure(self):
        buf = self.buf
        dht_readinto(self.pin, buf)
        if (buf[0] + buf[1] + buf[2] + buf[3]) & 0xFF != buf[4]:
            raise Exception("checksum error")


class DHT11(DHTBase):
    def humidity(self):
        return self.buf[0]

    def temperature(self):
        return self.buf[2]


class DHT22(DHTBase):
    def humidity(self):
        return (self.buf[0] << 8 | self.buf[1]) * 0.1

    def temperature(self):
        t = ((self.buf[2] & 0x7F) << 8 | self.buf[3]) * 0.1
        if self.buf[2] & 0x80:
            t = -t
        return t
