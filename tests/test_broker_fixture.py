"""The mosquitto fixture really brokers messages and survives a restart."""

from __future__ import annotations

import socket

from tests._broker import Mosquitto


def _mqtt_connect_ack(port: int) -> bytes:
    # Minimal MQTT 3.1.1 CONNECT (client id "t"), read the CONNACK.
    payload = b"\x00\x04MQTT\x04\x02\x00\x3c\x00\x01t"
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(bytes([0x10, len(payload)]) + payload)
        return s.recv(4)


def test_broker_accepts_mqtt_and_restarts_on_same_port(mosquitto: Mosquitto) -> None:
    assert _mqtt_connect_ack(mosquitto.port) == b"\x20\x02\x00\x00"
    port = mosquitto.port
    mosquitto.stop(hard=True)
    mosquitto.start()
    assert mosquitto.port == port
    assert _mqtt_connect_ack(port) == b"\x20\x02\x00\x00"
