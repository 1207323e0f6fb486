"""A small MQTT 3.1.1 client for MicroPython (publish side), over the socket module.

The API follows micropython-lib's ``umqtt.simple`` (``MQTTClient(client_id, server,
port, user, password, keepalive)``, ``set_last_will``, ``connect``, ``publish``,
``ping``, ``disconnect``) so code can move between the two, with what a node that
must heal itself needs on top: a socket timeout on every operation (a dead broker
raises ``OSError`` instead of hanging), QoS 1 publishes that wait for their PUBACK,
and ``check()`` to answer the broker and notice a closed connection. It runs on the
unix port and on boards (Pico W, ESP32) alike. No TLS (add ``ssl.wrap_socket`` where
the port has it).

Every packet from the broker is read the same way: its remaining length decoded in
full (1 to 4 bytes of 7 bits, up to 268435455), then checked against ``max_packet``
(default 256 bytes; the packets this publish-only client expects carry 0 or 2) before
a byte of the body is read: ``socket.read(n)`` allocates ``n`` bytes at once, so a
broker, or a corrupted length, could otherwise ask a 264 KiB board for 256 MB. An
oversized or malformed length raises ``MQTTException`` and closes the socket (the
stream cannot be resynchronised); the caller reconnects.
"""

import socket
import struct
import time

CONNECT = 0x10
CONNACK = 0x20
PUBLISH = 0x30
PUBACK = 0x40
PINGREQ = 0xC0
PINGRESP = 0xD0
DISCONNECT = 0xE0

MAX_PACKET = 256


class MQTTException(Exception):
    pass


def _remaining_length(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | 0x80 if n else byte)
        if not n:
            return out


def read_length(read_byte):
    """Decode an MQTT remaining length, calling ``read_byte()`` for each of its 1-4 bytes."""
    length = 0
    shift = 0
    while True:
        byte = read_byte()
        length |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return length
        shift += 7
        if shift > 21:
            raise MQTTException("bad remaining length: a fifth length byte")


def _string(data):
    if isinstance(data, str):
        data = data.encode()
    return struct.pack("!H", len(data)) + data


class MQTTClient:
    def __init__(
        self,
        client_id,
        server,
        port=0,
        user=None,
        password=None,
        keepalive=0,
        timeout=5,
        max_packet=MAX_PACKET,
    ):
        self.client_id = client_id
        self.max_packet = max_packet
        self.server = server
        self.port = port or 1883
        self.user = user
        self.password = password
        self.keepalive = keepalive
        self.timeout = timeout
        self.sock = None
        self.pid = 0
        self.lw_topic = None
        self.lw_msg = None
        self.lw_qos = 0
        self.lw_retain = False
        self.last_io = time.ticks_ms()

    def set_last_will(self, topic, msg, retain=False, qos=0):
        self.lw_topic = topic
        self.lw_msg = msg
        self.lw_qos = qos
        self.lw_retain = retain

    def _send(self, data):
        view = memoryview(data)
        while view:
            n = self.sock.write(view)
            if n is None or n <= 0:
                raise OSError("socket write failed")
            view = view[n:]
        self.last_io = time.ticks_ms()

    def _recv(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.read(n - len(data))
            if not chunk:
                raise OSError("connection closed by broker")
            data += chunk
        return data

    def _byte(self):
        return self._recv(1)[0]

    def _packet(self, head=-1):
        """(type byte, body) of the next packet from the broker (``head`` if already read).

        A malformed or oversized remaining length closes the socket and raises
        MQTTException before anything is allocated for the body.
        """
        try:
            if head < 0:
                head = self._byte()
            length = read_length(self._byte)
            if length > self.max_packet:
                raise MQTTException(
                    "packet 0x"
                    + hex(head)[2:]
                    + " declares "
                    + str(length)
                    + " bytes, over max_packet "
                    + str(self.max_packet)
                )
        except MQTTException:
            self.close()
            raise
        return head, self._recv(length) if length else b""

    def connect(self, clean_session=True):
        addr = socket.getaddrinfo(self.server, self.port, 0, socket.SOCK_STREAM)[0][-1]
        self.sock = socket.socket()
        self.sock.settimeout(self.timeout)
        try:
            self.sock.connect(addr)
            flags = 0x02 if clean_session else 0
            payload = _string(self.client_id)
            if self.lw_topic:
                flags |= 0x04 | (self.lw_qos & 3) << 3 | (0x20 if self.lw_retain else 0)
                payload += _string(self.lw_topic) + _string(self.lw_msg)
            if self.user is not None:
                flags |= 0x80
                payload += _string(self.user)
                if self.password is not None:
                    flags |= 0x40
                    payload += _string(self.password)
            body = b"\x00\x04MQTT\x04" + bytes((flags,)) + struct.pack("!H", self.keepalive)
            body += payload
            self._send(bytes((CONNECT,)) + _remaining_length(len(body)) + body)
            head, ack = self._packet()
            if head != CONNACK or len(ack) != 2:
                raise MQTTException("expected CONNACK")
            if ack[1] != 0:
                raise MQTTException("connection refused, code " + str(ack[1]))
            return ack[0] & 1
        except Exception:
            self.close()
            raise

    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
            self.sock = None

    def disconnect(self):
        try:
            self._send(bytes((DISCONNECT, 0)))
        finally:
            self.close()

    def ping(self):
        self._send(bytes((PINGREQ, 0)))

    def publish(self, topic, msg, retain=False, qos=0):
        if isinstance(msg, str):
            msg = msg.encode()
        body = _string(topic)
        pid = 0
        if qos:
            self.pid = self.pid % 65535 + 1
            pid = self.pid
            body += struct.pack("!H", pid)
        body += msg
        head = PUBLISH | (qos & 1) << 1 | (1 if retain else 0)
        self._send(bytes((head,)) + _remaining_length(len(body)) + body)
        if qos:
            self._wait_puback(pid)

    def _wait_puback(self, pid):
        while True:
            head, body = self._packet()
            if head == PUBACK and struct.unpack("!H", body)[0] == pid:
                return
            self._handle(head)

    def _handle(self, head):
        if head & 0xF0 == PUBLISH:
            raise MQTTException("unexpected PUBLISH (this client does not subscribe)")

    def check(self):
        """Keep the session alive: ping when idle, read pending packets (non-blocking).

        Raises OSError when the broker closed the connection.
        """
        if self.keepalive and time.ticks_diff(time.ticks_ms(), self.last_io) > self.keepalive * 500:
            self.ping()
        self.sock.settimeout(0)
        try:
            first = self.sock.read(1)
        except OSError:
            first = None  # nothing pending (EAGAIN)
        finally:
            self.sock.settimeout(self.timeout)
        if first == b"":
            raise OSError("connection closed by broker")
        if first:
            self._handle(self._packet(first[0])[0])
