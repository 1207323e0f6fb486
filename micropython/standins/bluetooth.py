"""Stand-in ``bluetooth`` module for the MicroPython unix port (tests and demos only).

``BLE().gap_advertise(interval_us, adv_data)`` appends ``<interval_us> <hex>`` to
the file named by $IOTEDGE_STANDIN_BLE_LOG, so a test can decode what a board
would have put on air.
"""

import binascii
import os


class BLE:
    def __init__(self):
        self._active = False

    def active(self, state=None):
        if state is None:
            return self._active
        self._active = bool(state)
        return None

    def config(self, *args, **kwargs):
        if args and args[0] == "mac":
            return (0, b"\x28\xcd\xc1\x00\x00\x01")
        return None

    def gap_advertise(self, interval_us, adv_data=None, resp_data=None, connectable=True):
        if not self._active:
            raise OSError("BLE not active")
        path = os.getenv("IOTEDGE_STANDIN_BLE_LOG")
        if path and adv_data is not None:
            with open(path, "a") as f:
                f.write(str(interval_us) + " " + binascii.hexlify(adv_data).decode() + "\n")
