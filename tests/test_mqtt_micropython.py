"""micropython/iotedge_mp/mqtt.py against a scripted fake broker, under the unix port.

The broker (CPython, one thread, a real loopback TCP socket) answers CONNECT with a
CONNACK and then plays a script per connection: raw bytes, a PUBACK for the next
PUBLISH, or a close. The client runs in the MicroPython unix port with its real
``socket`` module, where ``socket.read(n)`` allocates ``n`` bytes: what a board would do.

Proves that every packet's remaining length is decoded in full (``check()`` used to read
one byte of it and lose the stream on a packet of 128 bytes or more), that a length over
``max_packet`` or longer than 4 bytes raises ``MQTTException`` and closes the socket
before anything is allocated for the body, and that the client, and the sensor node
around it, connect again afterwards.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
from pathlib import Path

import pytest

from tests._mpy import SRC, run_micropython
from tests._node_harness import APPS, MP, MpApp, write_sim

pytestmark = pytest.mark.micropython

CONNACK = b"\x20\x02\x00\x00"
# What the broker may send that this client ignores (3.1.1 reserved/UNSUBACK types).
IGNORED = 0xB0


def encode_length(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | 0x80 if n else byte)
        if not n:
            return bytes(out)


def packet(head: int, body: bytes) -> bytes:
    return bytes((head,)) + encode_length(len(body)) + body


# Bodies of 0x30 bytes: a client that loses its place reads them as PUBLISH heads.
LONG_2 = packet(IGNORED, b"\x30" * 130)  # 2-byte remaining length
LONG_2_MAX = packet(IGNORED, b"\x30" * 256)  # 2 bytes, exactly the default max_packet
LONG_3 = packet(IGNORED, b"\x30" * 16500)  # 3-byte remaining length
OVERSIZE = b"\x40\xff\xff\xff\x7f"  # a PUBACK declaring 268435455 bytes (the maximum)
FIVE_BYTES = b"\x40\xff\xff\xff\xff\x01"  # a length with a fifth byte: malformed
PINGRESP_300 = b"\xd0" + encode_length(300)  # over max_packet 256; no body sent

Step = bytes | str  # bytes to send, "puback" (answer the next PUBLISH), "close"


class ScriptedBroker(threading.Thread):
    """Plays ``scripts[client_id][n]`` on that client's n-th connection, then answers
    every QoS 1 PUBLISH and PINGREQ until the client goes away."""

    def __init__(self, scripts: dict[str, list[list[Step]]]) -> None:
        super().__init__(daemon=True)
        self.scripts = scripts
        self.connections: list[str] = []
        self.received: list[tuple[str, int]] = []  # (client id, packet type)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            try:
                conn, _ = self.server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(10)
                try:
                    self.serve(conn)
                except (OSError, EOFError):
                    pass

    def stop(self) -> None:
        self.done.set()
        self.join(5)
        self.server.close()

    @staticmethod
    def read_packet(conn: socket.socket) -> tuple[int, bytes]:
        def byte() -> int:
            data = conn.recv(1)
            if not data:
                raise EOFError
            return data[0]

        head = byte()
        length, shift = 0, 0
        while True:
            b = byte()
            length |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
        body = b""
        while len(body) < length:
            chunk = conn.recv(length - len(body))
            if not chunk:
                raise EOFError
            body += chunk
        return head, body

    def serve(self, conn: socket.socket) -> None:
        head, body = self.read_packet(conn)
        assert head == 0x10, head
        (id_len,) = struct.unpack("!H", body[10:12])
        client_id = body[12 : 12 + id_len].decode()
        attempt = self.connections.count(client_id)
        self.connections.append(client_id)
        plays = self.scripts.get(client_id, [])
        script = plays[attempt] if attempt < len(plays) else []
        conn.sendall(CONNACK)
        for step in script:
            if step == "close":
                return
            if step == "puback":
                self.answer(conn, client_id, until_puback=True)
            else:
                assert isinstance(step, bytes)
                conn.sendall(step)
        self.answer(conn, client_id, until_puback=False)

    def answer(self, conn: socket.socket, client_id: str, until_puback: bool) -> None:
        while True:
            head, body = self.read_packet(conn)
            self.received.append((client_id, head & 0xF0))
            if head & 0xF0 == 0x30 and head & 0x06:  # PUBLISH, QoS 1
                (topic_len,) = struct.unpack("!H", body[:2])
                conn.sendall(b"\x40\x02" + body[2 + topic_len : 4 + topic_len])
                if until_puback:
                    return
            elif head == 0xC0:
                conn.sendall(b"\xd0\x00")
            elif head == 0xE0:
                raise EOFError


DRIVER = r"""
import sys
import time
from iotedge_mp import mqtt

PORT = int(sys.argv[1])

# The decoder alone: every boundary of 1, 2, 3 and 4 length bytes, both ways.
for n in (0, 1, 127, 128, 16383, 16384, 2097151, 2097152, 268435455):
    encoded = mqtt._remaining_length(n)
    it = iter(encoded)
    assert mqtt.read_length(lambda: next(it)) == n, n
    print("length", n, len(encoded))


def client(name, **kw):
    return mqtt.MQTTClient(name, "127.0.0.1", PORT, keepalive=0, timeout=2, **kw)


def attempt(name, action):
    try:
        action()
    except Exception as exc:
        print(name, type(exc).__name__, exc.args[0] if exc.args else "")
        return False
    print(name, "ok")
    return True


def drain(c, times=40):
    # check() is non-blocking: give the broker's packets time to arrive.
    for _ in range(times):
        c.check()
        time.sleep_ms(5)


def long_packets(name, **kw):
    c = client(name, **kw)
    c.connect()
    drain(c)
    c.publish("t", b"after the long packets", qos=1)
    c.disconnect()


attempt("long-packets", lambda: long_packets("long-packets"))
attempt("three-byte-length", lambda: long_packets("three-byte-length", max_packet=20000))

for name, act in (
    ("oversize-puback", lambda c: c.publish("t", b"x", qos=1)),
    ("bad-length", lambda c: c.publish("t", b"x", qos=1)),
    ("oversize-check", drain),
):
    c = client(name)
    c.connect()
    attempt(name, lambda: act(c))
    print(name, "closed", c.sock is None)
    # The caller reconnects: the broker's next script for this client is a clean one.
    c.connect()
    attempt(name + "-again", lambda: c.publish("t", b"y", qos=1))
    c.disconnect()

c = client("closed")
c.connect()
attempt("closed", lambda: drain(c))
print("DONE")
"""

SCRIPTS: dict[str, list[list[Step]]] = {
    "long-packets": [[LONG_2, LONG_2_MAX]],
    "three-byte-length": [[LONG_3]],
    "oversize-puback": [[OVERSIZE]],
    "bad-length": [[FIVE_BYTES]],
    "oversize-check": [[PINGRESP_300]],
    "closed": [["close"]],
}


@pytest.fixture(scope="module")
def client_run() -> tuple[list[str], ScriptedBroker]:
    broker = ScriptedBroker(SCRIPTS)
    broker.start()
    try:
        proc = run_micropython(["-c", DRIVER, str(broker.port)], paths=[MP, SRC], timeout=120)
    finally:
        broker.stop()
    assert proc.returncode == 0, proc.stderr[-2000:] + proc.stdout[-2000:]
    lines = proc.stdout.splitlines()
    assert lines[-1] == "DONE", proc.stdout[-2000:]
    return lines, broker


def test_remaining_length_decodes_every_size(client_run: tuple[list[str], ScriptedBroker]) -> None:
    lines = [x for x in client_run[0] if x.startswith("length ")]
    assert lines == [
        "length 0 1",
        "length 1 1",
        "length 127 1",
        "length 128 2",
        "length 16383 2",
        "length 16384 3",
        "length 2097151 3",
        "length 2097152 4",
        "length 268435455 4",
    ]


def test_check_reads_multibyte_lengths_and_stays_in_step(
    client_run: tuple[list[str], ScriptedBroker],
) -> None:
    lines, broker = client_run
    for name in ("long-packets", "three-byte-length"):
        assert f"{name} ok" in lines
        # Its PUBLISH reached the broker, and its PUBACK was matched, after the long
        # packets were skipped whole.
        assert (name, 0x30) in broker.received


@pytest.mark.parametrize(
    ("name", "error"),
    [
        (
            "oversize-puback",
            "MQTTException packet 0x40 declares 268435455 bytes, over max_packet 256",
        ),
        ("bad-length", "MQTTException bad remaining length: a fifth length byte"),
        ("oversize-check", "MQTTException packet 0xd0 declares 300 bytes, over max_packet 256"),
    ],
)
def test_bad_length_closes_and_reconnects(
    client_run: tuple[list[str], ScriptedBroker], name: str, error: str
) -> None:
    lines, broker = client_run
    assert f"{name} {error}" in lines
    assert f"{name} closed True" in lines
    assert f"{name}-again ok" in lines
    assert broker.connections.count(name) == 2


def test_a_closed_connection_is_an_oserror(client_run: tuple[list[str], ScriptedBroker]) -> None:
    assert "closed OSError connection closed by broker" in client_run[0]


def test_the_node_reconnects_after_an_oversized_packet(tmp_path: Path) -> None:
    """The sensor node's loop: the oversized PUBACK fails a publish, the node drops the
    connection and connects again, and goes on publishing on the new one."""
    node_id = "node-oversize"
    # Connection 1: PUBACK the status and two readings' messages, then a bogus PUBACK.
    broker = ScriptedBroker({node_id: [["puback"] * 7 + [OVERSIZE], []]})
    broker.start()
    config = {
        "wifi_ssid": "test-ap",
        "mqtt_host": "127.0.0.1",
        "mqtt_port": broker.port,
        "client_id": node_id,
        "interval_ms": 250,
        "dht_min_interval_ms": 100,
        "watchdog_ms": 0,
        "backoff_min_ms": 100,
        "backoff_max_ms": 400,
        "socket_timeout_s": 2,
        "tick_ms": 20,
    }
    (tmp_path / "node.json").write_text(json.dumps(config))
    env = {
        "IOTEDGE_SIM_DHT22": str(write_sim(tmp_path / "sim.json")),
        "IOTEDGE_STANDIN_WLAN": str(tmp_path / "wlan"),
    }
    node = MpApp(APPS / "sensor_node.py", [str(tmp_path / "node.json")], env, tmp_path / "log")
    try:
        node.wait_for_output("mqtt: connected", 2)
        node.wait_for_output("node: reading", 4)
    finally:
        node.stop()
        broker.stop()
    out = node.output()
    assert "packet 0x40 declares 268435455 bytes, over max_packet 256" in out, out
    assert "mqtt: connection dropped" in out
    assert broker.connections == [node_id, node_id]
    # PUBLISHes arrived on the second connection too (status, then readings).
    assert len([r for r in broker.received if r == (node_id, 0x30)]) > 7
