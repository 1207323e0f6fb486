"""A custom badge firmware for MicroPython (ESP32, Pico W): advertise, and receive alerts.

On the board (the iotedge core installed with ``mpremote mip install
file:micropython/package.json``, plus micropython/badge_receiver.py)::

    mpremote cp badge_receiver.py :
    mpremote cp keyring.txt :                   # from `iotedge alert keygen`
    mpremote cp micropython_custom_badge.py :main.py

Every few seconds the badge broadcasts its own frame, built by the same codec the
gateways decode (iotedge.core.badge: BTHome v2, so Home Assistant reads it too),
into one preallocated buffer (no allocation per advert). Between adverts it scans;
every scanned advert goes through the venue's alert receiver, which accepts only
frames the venue signed, each message once although 20 gateways repeat it, and keeps
its replay window in a file so a reboot does not reopen replays.

EDIT the marked places: your badge id, your sensors, what an alert does.
"""

import time

from badge_receiver import BadgeReceiver

from iotedge.core import badge

BADGE_ID = 0x00C0FFEE  # EDIT: unique per badge (printed on it)
ADVERT_EVERY_MS = 5000
ADV_INTERVAL_US = 100000  # 100 ms between advertising events


class CustomBadge:
    def __init__(self, ble, keyring="keyring.txt", window="alert_window.bin", show=print):
        self.ble = ble
        self.show = show
        self.buf = bytearray(31)  # the advert, rewritten in place
        self.packet = 0
        self.claps = 0
        self.next_advert = 0
        self.alerts = BadgeReceiver(keyring, window, self.on_alert)

    def read_sensors(self):
        """EDIT: your hardware. Returns (battery %, temperature in 0.01 C, claps)."""
        return 87, 2215, self.claps

    def advertise(self):
        battery, temperature, claps = self.read_sensors()
        self.packet = (self.packet + 1) & 0xFF  # a new reading: receivers count it once
        n = badge.encode_into(self.buf, BADGE_ID, self.packet, battery, temperature, claps)
        self.ble.gap_advertise(ADV_INTERVAL_US, memoryview(self.buf)[:n], connectable=False)

    def on_alert(self, message):
        """EDIT: show it on the display, beep, blink."""
        self.show("ALERT " + message.fields.get("text", message.type_name))

    def start(self):
        self.ble.active(True)
        self.alerts.start_scan(self.ble)

    def step(self, now_ms, now_s=None):
        """One pass of the main loop: advertise when due, handle what was scanned."""
        if time.ticks_diff(now_ms, self.next_advert) >= 0:
            self.advertise()
            self.next_advert = time.ticks_add(now_ms, ADVERT_EVERY_MS)
        return self.alerts.poll(now_s)


def main():
    import bluetooth

    app = CustomBadge(bluetooth.BLE())
    app.start()
    while True:
        app.step(time.ticks_ms())
        time.sleep_ms(50)


if __name__ == "__main__":
    main()
