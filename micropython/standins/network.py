"""Stand-in ``network`` module for the MicroPython unix port (tests and demos only).

``WLAN(STA_IF)`` "connects" to any SSID unless the file named by
$IOTEDGE_STANDIN_WLAN contains ``down``: then ``isconnected()`` turns False and
``connect()`` does not succeed, as when the access point disappears. Tests write that
file to cut and restore Wi-Fi. The host's real network stack carries the sockets.
"""

import os

STA_IF = 0
AP_IF = 1
STAT_IDLE = 0
STAT_CONNECTING = 1
STAT_WRONG_PASSWORD = -3
STAT_NO_AP_FOUND = -2
STAT_CONNECT_FAIL = -1
STAT_GOT_IP = 3


def _ap_up():
    path = os.getenv("IOTEDGE_STANDIN_WLAN")
    if not path:
        return True
    try:
        with open(path) as f:
            return f.read().strip() != "down"
    except OSError:
        return True


def hostname(name=None):
    return "pico-standin"


class WLAN:
    def __init__(self, interface=STA_IF):
        self.interface = interface
        self._active = False
        self._ssid = None
        self._joined = False

    def active(self, state=None):
        if state is None:
            return self._active
        self._active = bool(state)
        return None

    def connect(self, ssid=None, key=None, **kwargs):
        if not self._active:
            raise OSError("WLAN not active")
        self._ssid = ssid
        self._joined = True

    def disconnect(self):
        self._joined = False

    def status(self, param=None):
        if param == "rssi":
            return -55
        if not self._joined:
            return STAT_IDLE
        return STAT_GOT_IP if _ap_up() else STAT_NO_AP_FOUND

    def isconnected(self):
        return self._active and self._joined and _ap_up()

    def ifconfig(self, config=None):
        return ("127.0.0.1", "255.0.0.0", "127.0.0.1", "127.0.0.1")

    def config(self, *args, **kwargs):
        if args and args[0] == "mac":
            return b"\x28\xcd\xc1\x00\x00\x01"
        return None
