"""Adapters: one module per external library (bleak, BlueZ D-Bus, bumble, bless, paho-mqtt,
pyserial, adafruit DHT), each implementing a seam from ``iotedge.hal`` or the MQTT transport.

Nothing is imported here: ``import iotedge.adapters`` pulls in no third-party library.
Import the module you use, e.g. ``from iotedge.adapters.bleak_scanner import BleakAdvertScanner``.
See docs/adapters.md.
"""
