"""Raspberry Pi Pico W (RP2040 + CYW43439): the wiring the HIL suite expects.

    DHT22 / AM2302      Pico W
    ---------------     ------------------------------------------------
    1 VCC  (+)          3V3(OUT), physical pin 36
    2 DATA (out)        GP15, physical pin 20  (+ 10 kOhm pull-up to 3V3 if the
                        sensor is a bare 4-pin part; 3-pin modules have one)
    3 NC                -
    4 GND  (-)          GND, physical pin 38

The radio (BLE 5.2 and 2.4 GHz Wi-Fi) is the on-board CYW43439: no wiring. The gateway's
radio is the host's BLE dongle (``--hil-ble usb:0`` or ``hci0``).
"""

BOARD = "Raspberry Pi Pico W"
PLATFORM = "rp2"
DHT22_PIN = 15  # GP15
LED = "LED"  # on the CYW43's GPIO, not an RP2040 pin
BLE = True
WIFI = True
#: GC heap of an RP2040 board under MicroPython: ``micropython.mem_info()`` reports
#: "GC: total: 192064" (source in docs/hil.md); the heap test also measures the attached
#: board and budgets against the smaller of the two.
HEAP_TOTAL = 192064
