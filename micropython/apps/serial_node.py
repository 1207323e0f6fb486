"""DHT22 node without Wi-Fi: readings go to a gateway over USB serial (or a UART).

Each reading is one line of the iotedge serial protocol (iotedge.core.serial_frame):
``$SSSS,SEQ,R,temperature,humidity[,internal]*CRC32``. The session SSSS is random
per boot; a hello frame (device name) starts every session and repeats every
``hello_every`` frames so a gateway started later learns who is talking; sensor
failures (after the read policy's retries) are sent as ``E`` frames. The gateway
side is ``iotedge bridge serial``. Nothing else may be printed on the same port.

Config: JSON file (argv[1] on the unix port, ``serial_node.json`` on a board), keys
in DEFAULTS. A watchdog resets the board if the loop stalls.
"""

import os
import sys
import time

import machine

from iotedge.core import dht22_policy
from iotedge.core.errors import DHTError
from iotedge.core.serial_frame import FrameWriter

DEFAULTS = {
    "device": "pico-serial",
    "interval_ms": 5000,
    "dht_backend": "builtin",
    "dht_pin": 15,
    "dht_min_interval_ms": 2000,
    "dht_retries": 2,
    "internal_temperature": True,
    "uart": -1,  # -1: USB serial (sys.stdout); else a machine.UART id
    "baudrate": 115200,
    "hello_every": 50,
    "watchdog_ms": 8000,
    "frames": 0,  # stop after this many frames (tests); 0 runs forever
}


def load_config(path):
    import json

    config = dict(DEFAULTS)
    try:
        with open(path) as f:
            config.update(json.load(f))
    except OSError:
        pass
    return config


def output(config):
    if config["uart"] >= 0:
        return machine.UART(config["uart"], config["baudrate"]).write
    out = getattr(sys.stdout, "buffer", sys.stdout)
    return out.write


def main(path="serial_node.json"):
    from sensor_node import internal_tenths, make_sensor

    c = load_config(path)
    write = output(c)
    wdt = machine.WDT(timeout=c["watchdog_ms"]) if c["watchdog_ms"] else None
    sensor = make_sensor(c)
    adc = machine.ADC(4) if c["internal_temperature"] else None
    policy = dht22_policy.ReadPolicy(
        min_interval_ms=c["dht_min_interval_ms"],
        retries=c["dht_retries"],
        backoff_max_ms=max(c["dht_min_interval_ms"] * 4, 1),
        max_age_ms=max(c["interval_ms"], c["dht_min_interval_ms"]) * 2 + 1,
        ticks_diff=time.ticks_diff,
    )
    session = (os.urandom(2)[0] << 8) | os.urandom(1)[0]
    writer = FrameWriter(session)
    sent = 0
    next_read = time.ticks_ms()
    while not c["frames"] or sent < c["frames"]:
        if wdt is not None:
            wdt.feed()
        now = time.ticks_ms()
        if sent % c["hello_every"] == 0:
            write(writer.hello(c["device"]))
            sent += 1
            continue
        if time.ticks_diff(now, next_read) < 0:
            time.sleep_ms(min(time.ticks_diff(next_read, now), 100))
            continue
        try:
            reading = policy.step(sensor.read_raw, now)
        except DHTError as exc:
            write(writer.error(exc.reason))
            sent += 1
            next_read = time.ticks_add(now, c["interval_ms"])
            continue
        if reading is None:
            next_read = time.ticks_add(now, max(policy.wait_ms(now), 1))
            continue
        internal = internal_tenths(adc.read_u16()) if adc is not None else None
        write(writer.reading(reading[0], reading[1], internal))
        sent += 1
        next_read = time.ticks_add(now, c["interval_ms"])


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "serial_node.json")
