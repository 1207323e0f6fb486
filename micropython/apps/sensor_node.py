"""Pico W (or ESP32) DHT22 node: reads the sensor, publishes over MQTT, heals itself.

Copy to the board as ``main.py`` with ``sensor_node.json`` (see the example next to
this file; every key and its default is in DEFAULTS) after ``mip install`` of the
iotedge package. docs/sensor-node.md describes topics, payloads and behaviour.

Topics (prefix ``pico`` by default), values as ASCII text as the original system did:
``pico/temperature/dht22``, ``pico/humidity/dht22``, ``pico/temperature/internal``;
with ``"format": "json"`` one JSON object on ``pico/dht22`` instead. ``pico/status``
is ``online``/``offline`` (retained; ``offline`` is the last will), sensor failures
go to ``pico/error/dht22``. With ``"ble_bthome": true`` each reading is also
advertised as BTHome v2 (Home Assistant reads it with no code).

Self-healing: Wi-Fi and broker reconnect with capped exponential backoff; a
hardware watchdog resets the board if the loop stalls (a hung driver, a socket that
never returns); too many failed reconnects in a row also reset it. Nothing is
queued while offline (the latest reading is what a dashboard wants), so memory
stays flat however long an outage lasts.
"""

import gc
import sys
import time

import machine

from iotedge.core import dht22_policy
from iotedge.core.dht22 import format_tenths
from iotedge.core.errors import DHTError

DEFAULTS = {
    "wifi_ssid": "",
    "wifi_password": "",
    "wifi_timeout_ms": 15000,
    "mqtt_host": "192.168.1.10",
    "mqtt_port": 1883,
    "mqtt_user": None,
    "mqtt_password": None,
    "client_id": "",  # "" -> "pico-" + machine.unique_id() in hex
    "keepalive_s": 30,
    "socket_timeout_s": 3,  # connect + CONNACK must fit in the watchdog window
    "qos": 1,
    "topic_prefix": "pico",
    "status_topic": "",  # "" -> <prefix>/status
    "format": "text",  # "text": one topic per value; "json": one object on <prefix>/dht22
    "interval_ms": 5000,
    "dht_backend": "builtin",  # "builtin" (dht module) or "pulses" (time_pulse_us)
    "dht_pin": 15,
    "dht_min_interval_ms": 2000,  # the datasheet's limit: only lower it for simulators
    "dht_retries": 2,
    "internal_temperature": True,  # RP2040 ADC channel 4
    "ble_bthome": False,
    "ble_name": "pico-dht22",
    "watchdog_ms": 8000,  # 0 disables; the RP2040 allows at most 8388
    "backoff_min_ms": 1000,
    "backoff_max_ms": 60000,
    "reset_after_failures": 20,  # consecutive failed (re)connects before machine.reset()
    "tick_ms": 100,
}


def log(*args):
    print("node:", *args)


def load_config(path="sensor_node.json"):
    import json

    config = dict(DEFAULTS)
    try:
        with open(path) as f:
            config.update(json.load(f))
    except OSError:
        log("no", path, "- using defaults")
    if not config["client_id"]:
        uid = machine.unique_id()
        config["client_id"] = "pico-" + "".join("%02x" % b for b in uid)
    if not config["status_topic"]:
        config["status_topic"] = config["topic_prefix"] + "/status"
    return config


def internal_tenths(raw_u16):
    """RP2040 die temperature in tenths of C from ADC(4): 27 - (V - 0.706) / 0.001721."""
    # V in units of 0.1 mV: raw * 3.3 V / 65535. Integer maths: boards have 32-bit floats.
    v = raw_u16 * 33000 // 65535
    num = (7060 - v) * 1000
    # Round half away from zero, then shift by 27.0 C.
    q = (abs(num) + 860) // 1721
    return 270 + (q if num >= 0 else -q)


def make_sensor(config):
    if config["dht_backend"] == "pulses":
        from iotedge_mp.dht_pulses import PulseDHT22

        return PulseDHT22(config["dht_pin"])
    from iotedge_mp.dht_builtin import BuiltinDHT22

    return BuiltinDHT22(config["dht_pin"])


class Node:
    def __init__(self, config):
        self.c = config
        self.wdt = machine.WDT(timeout=config["watchdog_ms"]) if config["watchdog_ms"] else None
        self.sensor = make_sensor(config)
        self.policy = dht22_policy.ReadPolicy(
            min_interval_ms=config["dht_min_interval_ms"],
            retries=config["dht_retries"],
            backoff_max_ms=max(config["dht_min_interval_ms"] * 4, 1),
            max_age_ms=max(config["interval_ms"], config["dht_min_interval_ms"]) * 2 + 1,
            ticks_diff=time.ticks_diff,
        )
        self.backoff = dht22_policy.Backoff(config["backoff_min_ms"], config["backoff_max_ms"])
        self.failures = 0
        self.wlan = None
        self.mqtt = None
        self.ble = None
        self.adc = machine.ADC(4) if config["internal_temperature"] else None
        self.next_read = time.ticks_ms()
        self.published = 0
        self.dropped = 0
        self.seq = 0

    # -- helpers that never block longer than the watchdog allows ------------------------

    def feed(self):
        if self.wdt is not None:
            self.wdt.feed()

    def sleep(self, ms):
        """Sleep in slices, feeding the watchdog."""
        deadline = time.ticks_add(time.ticks_ms(), ms)
        while True:
            self.feed()
            left = time.ticks_diff(deadline, time.ticks_ms())
            if left <= 0:
                return
            time.sleep_ms(min(left, 200))

    def failed(self, what, exc):
        self.failures += 1
        delay = self.backoff.next_ms()
        log(what, "failed:", repr(exc), "- retry in", delay, "ms, failures", self.failures)
        if self.failures >= self.c["reset_after_failures"]:
            log("too many failures, machine.reset()")
            machine.reset()
        self.sleep(delay)

    def recovered(self):
        self.failures = 0
        self.backoff.reset()

    # -- Wi-Fi and MQTT ------------------------------------------------------------------

    def wifi_up(self):
        import network

        if self.wlan is None:
            self.wlan = network.WLAN(network.STA_IF)
            self.wlan.active(True)
        if self.wlan.isconnected():
            return True
        self.drop_mqtt()
        log("wifi: connecting to", self.c["wifi_ssid"])
        self.wlan.connect(self.c["wifi_ssid"], self.c["wifi_password"])
        deadline = time.ticks_add(time.ticks_ms(), self.c["wifi_timeout_ms"])
        while not self.wlan.isconnected():
            if time.ticks_diff(deadline, time.ticks_ms()) <= 0:
                self.wlan.disconnect()
                self.failed("wifi", OSError("status %d" % self.wlan.status()))
                return False
            self.sleep(100)
        log("wifi: connected", self.wlan.ifconfig()[0])
        return True

    def mqtt_up(self):
        if self.mqtt is not None:
            return True
        from iotedge_mp.mqtt import MQTTClient

        c = self.c
        client = MQTTClient(
            c["client_id"],
            c["mqtt_host"],
            c["mqtt_port"],
            c["mqtt_user"],
            c["mqtt_password"],
            c["keepalive_s"],
            c["socket_timeout_s"],
        )
        client.set_last_will(c["status_topic"], b"offline", retain=True, qos=1)
        try:
            self.feed()
            client.connect(clean_session=True)
            client.publish(c["status_topic"], b"online", retain=True, qos=1)
        except Exception as exc:  # OSError, MQTTException: all mean "try again later"
            client.close()
            self.failed("mqtt", exc)
            return False
        self.mqtt = client
        self.recovered()
        log("mqtt: connected", c["mqtt_host"], c["mqtt_port"], "as", c["client_id"])
        return True

    def drop_mqtt(self):
        if self.mqtt is not None:
            self.mqtt.close()
            self.mqtt = None
            log("mqtt: connection dropped")

    # -- one reading ---------------------------------------------------------------------

    def read(self, now):
        """A fresh (temperature, humidity), None when not yet, or a DHTError."""
        try:
            return self.policy.step(self.sensor.read_raw, now)
        except DHTError as exc:
            return exc

    def messages(self, reading):
        prefix = self.c["topic_prefix"]
        t, h = reading
        internal = internal_tenths(self.adc.read_u16()) if self.adc is not None else None
        if self.c["format"] == "json":
            text = '{"seq":%d,"temperature":%s,"humidity":%s' % (
                self.seq,
                format_tenths(t),
                format_tenths(h),
            )
            if internal is not None:
                text += ',"internal":' + format_tenths(internal)
            return [(prefix + "/dht22", text + "}")]
        out = [
            (prefix + "/temperature/dht22", format_tenths(t)),
            (prefix + "/humidity/dht22", format_tenths(h)),
        ]
        if internal is not None:
            out.append((prefix + "/temperature/internal", format_tenths(internal)))
        return out

    def publish(self, messages):
        if self.mqtt is None:
            self.dropped += 1
            return
        try:
            for topic, payload in messages:
                self.mqtt.publish(topic, payload, qos=self.c["qos"])
        except Exception as exc:
            self.dropped += 1
            log("mqtt: publish failed:", repr(exc))
            self.drop_mqtt()
            return
        self.published += 1

    def advertise(self, reading):
        if not self.c["ble_bthome"]:
            return
        from iotedge.core import bthome_encode

        if self.ble is None:
            import bluetooth

            self.ble = bluetooth.BLE()
            self.ble.active(True)
        t, h = reading
        # BTHome v2: 0x00 packet id, 0x02 temperature (0.01 C), 0x03 humidity (0.01 %).
        objects = [(0x00, self.seq & 0xFF), (0x02, t * 10), (0x03, h * 10)]
        service = bthome_encode.encode(objects)
        name = self.c["ble_name"].encode()[:8]
        # AD: flags (LE general discoverable, no BR/EDR), service data 0xFCD2, name.
        data = b"\x02\x01\x06" + bytes((len(service) + 3, 0x16, 0xD2, 0xFC)) + service
        data += bytes((len(name) + 1, 0x09)) + name
        self.ble.gap_advertise(1000000, adv_data=data)

    def tick(self):
        now = time.ticks_ms()
        if time.ticks_diff(now, self.next_read) < 0:
            return
        result = self.read(now)
        if result is None:
            # Not yet (2 s rule), or a stale first read / failed attempt with retries left.
            self.next_read = time.ticks_add(now, max(self.policy.wait_ms(now), 1))
            return
        self.next_read = time.ticks_add(self.next_read, self.c["interval_ms"])
        if time.ticks_diff(now, self.next_read) > 0:
            self.next_read = time.ticks_add(now, self.c["interval_ms"])  # fell behind
        if isinstance(result, DHTError):
            log("dht:", result)
            if self.mqtt is not None:
                self.publish([(self.c["topic_prefix"] + "/error/dht22", result.reason)])
            return
        messages = self.messages(result)
        self.publish(messages)
        self.advertise(result)
        self.seq += 1
        # "at": the ticks_ms of the read (the publish follows it), for interval checks.
        log("reading", self.seq, format_tenths(result[0]), format_tenths(result[1]), "at", now)

    def run(self):
        log("start", self.c["client_id"], "interval", self.c["interval_ms"], "ms")
        while True:
            self.feed()
            if not self.wifi_up():
                continue
            if not self.mqtt_up():
                continue
            self.tick()
            if self.mqtt is not None:
                try:
                    self.mqtt.check()
                except Exception as exc:
                    log("mqtt: lost:", repr(exc))
                    self.drop_mqtt()
            gc.collect()
            self.sleep(self.c["tick_ms"])


def main(path="sensor_node.json"):
    Node(load_config(path)).run()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "sensor_node.json")
