"""The sensor gateway: a DHT22 (or any temperature-humidity sensor) published over MQTT.

    gateway = SensorGateway("sensor-foyer", sensor, link, interval=5.0)
    await gateway.run(stop)

Every ``interval`` seconds it takes a reading through the sensor seam
(:class:`iotedge.hal.sensor.TemperatureHumiditySensor`: the simulated DHT22, the
adafruit backend on a Pi, or your own), in a worker thread because a DHT22 read
blocks for up to seconds (the read policy's 2 s minimum interval and retries), and
publishes it, durably (outbox, QoS 1), in the configured formats under
``<base>`` (default ``<prefix>/sensor/<id>``):

=========  ====================================  =============================================
format     topic                                 payload
=========  ====================================  =============================================
batch      ``<base>/readings``                   a report batch of one item (docs/mqtt.md):
                                                 ``{"seq":N,"temperature":21.5,"humidity":45.6,
                                                 "temperature_tenths":215,"humidity_tenths":456,
                                                 "ts":...}``; (src, seq) lets consumers drop
                                                 redeliveries
text       ``<base>/temperature/<name>``,        ``21.5`` / ``45.6``: the sensor node's and the
           ``<base>/humidity/<name>``            serial bridge's schema (``topic_prefix = "pico"``
                                                 gives exactly their topics)
json       ``<base>/<name>``                     ``{"seq":N,"temperature":21.5,"humidity":45.6}``
=========  ====================================  =============================================

A failed read (after the policy's retries) publishes its reason on
``<base>/error/<name>`` and the loop goes on. Numbers are formatted from integer
tenths, never through floats.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from iotedge.core.dht22 import format_tenths
from iotedge.core.errors import DHTError
from iotedge.gateway import topics
from iotedge.hal.sensor import Reading, TemperatureHumiditySensor
from iotedge.hal.waiting import event_or_timeout

log = logging.getLogger(__name__)

FORMATS = ("batch", "text", "json")


@dataclass
class SensorStats:
    readings: int = 0
    errors: dict[str, int] = field(default_factory=dict)


class SensorGateway:
    """Reads a sensor on a schedule and publishes each reading (see the module)."""

    def __init__(
        self,
        gateway_id: str,
        sensor: TemperatureHumiditySensor,
        link: topics.Link,
        prefix: str = "iotedge",
        base: str = "",
        name: str = "dht22",
        interval: float = 5.0,
        formats: tuple[str, ...] | list[str] = ("batch", "text"),
        clock: Callable[[], float] = time.time,
    ) -> None:
        unknown = [f for f in formats if f not in FORMATS]
        if unknown or not formats:
            raise ValueError(f"formats must be among {FORMATS}, got {list(formats)}")
        self.gateway_id = gateway_id
        self.sensor = sensor
        self.link = link
        self.base = base or topics.sensor_base(prefix, gateway_id)
        self.name = name
        self.interval = interval
        self.formats = tuple(formats)
        self.clock = clock
        self.seq = 0
        self.stats = SensorStats()

    def publish_reading(self, reading: Reading) -> None:
        """Accept one reading: committed to the outbox in every configured format."""
        self.seq += 1
        temp = format_tenths(reading.temperature_tenths)
        hum = format_tenths(reading.humidity_tenths)
        if "batch" in self.formats:
            item = {
                "seq": self.seq,
                "temperature": float(temp),
                "humidity": float(hum),
                "temperature_tenths": reading.temperature_tenths,
                "humidity_tenths": reading.humidity_tenths,
                "ts": round(self.clock(), 3),
            }
            self.link.publish_batch(f"{self.base}/readings", [item])
        if "text" in self.formats:
            self.link.publish(f"{self.base}/temperature/{self.name}", temp.encode())
            self.link.publish(f"{self.base}/humidity/{self.name}", hum.encode())
        if "json" in self.formats:
            body = f'{{"seq":{self.seq},"temperature":{temp},"humidity":{hum}}}'
            self.link.publish(f"{self.base}/{self.name}", body.encode())
        self.stats.readings += 1

    def publish_error(self, exc: DHTError) -> None:
        self.stats.errors[exc.reason] = self.stats.errors.get(exc.reason, 0) + 1
        log.warning("sensor %s: %s", self.name, exc)
        self.link.publish(f"{self.base}/error/{self.name}", exc.reason.encode())

    async def read_once(self) -> Reading | None:
        """One reading (or error) taken in a worker thread and published."""
        try:
            reading = await asyncio.to_thread(self.sensor.read)
        except DHTError as exc:
            self.publish_error(exc)
            return None
        self.publish_reading(reading)
        return reading

    async def run(self, stop: asyncio.Event) -> None:
        """A reading every ``interval`` seconds until ``stop`` is set."""
        next_at = time.monotonic()
        while not stop.is_set():
            await self.read_once()
            next_at += self.interval
            delay = next_at - time.monotonic()
            if delay < 0:  # a slow read: keep the schedule, don't burst to catch up
                next_at, delay = time.monotonic(), 0.0
            await event_or_timeout(stop, delay)  # cancellable, unlike wait_for on 3.10/3.11
        self.sensor.close()
