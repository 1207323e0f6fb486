"""ESP32 DevKitC (ESP32-WROOM-32): the wiring the HIL suite expects.

    DHT22 / AM2302      ESP32 DevKitC
    ---------------     ------------------------------------------------
    1 VCC  (+)          3V3
    2 DATA (out)        GPIO4  (+ 10 kOhm pull-up to 3V3 for a bare 4-pin part)
    3 NC                -
    4 GND  (-)          GND

BLE and Wi-Fi are on the chip. The USB-serial bridge is a CP210x or CH340 (``--hil-port
auto`` finds both).
"""

BOARD = "ESP32 DevKitC"
PLATFORM = "esp32"
DHT22_PIN = 4  # GPIO4
LED = 2  # GPIO2 on most DevKits
BLE = True
WIFI = True
HEAP_TOTAL = None  # depends on the build and PSRAM: the heap test measures it on the board
