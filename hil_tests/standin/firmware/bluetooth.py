"""``bluetooth`` for the stand-in board: MicroPython's BLE API over the test's bumble radio.

MicroPython only (the stand-in board's firmware, next to micropython/standins). A Pico W's
radio is a separate chip the interpreter talks to over a bus; here it is a bumble virtual
controller in the test process (hil_tests/_radio.py), reached over a loopback TCP line
protocol named by $IOTEDGE_STANDIN_RADIO (``host:port``):

    board -> radio   adv <interval_us> <adv hex or -> <resp hex or ->   (gap_advertise)
                     scan <duration_ms> <interval_us> <window_us> <active 0/1> | scan stop
                     off
    radio -> board   mac <addr_type> <addr hex>                         (once, on connect)
                     res <addr_type> <addr hex> <adv_type> <rssi> <adv hex>
                     done                                               (scan finished)

The radio's reports reach ``BLE.irq`` handlers through ``micropython.schedule``, on the
main thread between bytecodes, as the BLE stack of a real port delivers them; addresses and
advert data arrive as memoryviews, valid only during the call, as on a board.
"""

import _thread
import binascii
import os
import socket
import time

import micropython

_IRQ_SCAN_RESULT = 5
_IRQ_SCAN_DONE = 6

_radio = None  # one radio per board: every BLE() is the same controller


class _Radio:
    def __init__(self, where):
        host, port = where.rsplit(":", 1)
        addr = socket.getaddrinfo(host, int(port))[0][-1]
        self.sock = socket.socket()
        self.sock.connect(addr)
        words = self.sock.readline().split()
        if not words or words[0] != b"mac":
            raise OSError("stand-in radio did not introduce itself")
        self.mac = (int(words[1]), binascii.unhexlify(words[2]))
        self.handler = None
        self.lock = _thread.allocate_lock()
        _thread.start_new_thread(self._reader, ())

    def send(self, *words):
        line = " ".join(str(w) for w in words) + "\n"
        with self.lock:
            self.sock.write(line.encode())

    def _reader(self):
        while True:
            line = self.sock.readline()
            if not line:
                return
            while True:
                try:
                    micropython.schedule(self._deliver, line)
                    break
                except RuntimeError:  # schedule queue full: the controller waits
                    time.sleep_ms(1)

    def _deliver(self, line):
        handler = self.handler
        if handler is None:
            return
        words = line.split()
        if words[0] == b"res":
            data = (
                int(words[1]),
                memoryview(binascii.unhexlify(words[2])),
                int(words[3]),
                int(words[4]),
                memoryview(binascii.unhexlify(words[5]) if len(words) > 5 else b""),
            )
            handler(_IRQ_SCAN_RESULT, data)
        elif words[0] == b"done":
            handler(_IRQ_SCAN_DONE, ())


def _hex(data):
    return binascii.hexlify(bytes(data)).decode() if data else "-"


class BLE:
    def __init__(self):
        self._active = _radio is not None

    def active(self, state=None):
        global _radio
        if state is None:
            return self._active
        if state and _radio is None:
            where = os.getenv("IOTEDGE_STANDIN_RADIO")
            if not where:
                raise OSError("no radio on this stand-in board")
            _radio = _Radio(where)
        elif not state and _radio is not None:
            _radio.send("off")
        self._active = bool(state)
        return None

    def _controller(self):
        if not self._active or _radio is None:
            raise OSError("BLE not active")
        return _radio

    def config(self, *args, **kwargs):
        if args and args[0] == "mac":
            return self._controller().mac
        return None

    def irq(self, handler):
        self._controller().handler = handler

    def gap_advertise(self, interval_us, adv_data=None, resp_data=None, connectable=True):
        radio = self._controller()
        if interval_us is None:
            radio.send("adv", 0, "-", "-")
        else:
            radio.send("adv", interval_us, _hex(adv_data), _hex(resp_data))

    def gap_scan(self, duration_ms, interval_us=1280000, window_us=11250, active=False):
        radio = self._controller()
        if duration_ms is None:
            radio.send("scan", "stop")
        else:
            radio.send("scan", duration_ms, interval_us, window_us, 1 if active else 0)
