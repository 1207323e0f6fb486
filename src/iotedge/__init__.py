"""iotedge: BLE badge codecs, signed alerts, presence and DHT22 drivers.

This file ships to MicroPython boards too: it holds the version and imports nothing.
"""

__version__ = "0.1.0"
