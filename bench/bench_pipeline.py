"""Gateway pipeline throughput, latency and CPU, against a Theengs-Gateway-style pipeline.

    python bench/bench_pipeline.py [--quick] [--json FILE]

Both pipelines run in this process pinned to one core (CPU 0); mosquitto (started here,
from tests/_broker.py) and a subscriber process share the other core. Per advert:

* iotedge: the product's badge gateway, ``BadgeGateway.on_advert`` as the scan callback:
  ``decode_advert`` (classify + ``badge`` decode) -> pseudonymise the badge id (keyed
  BLAKE2s, key ratcheted per epoch) -> ``ReportBatcher`` (500 items or 50 ms) ->
  ``MqttLink.publish_batch``: committed to the SQLite outbox (fsync), published QoS 1,
  out of the queue on PUBACK (kept for the redelivery window).
* Theengs-style anchor: the same callback and decoder, then one JSON object per advert
  published at QoS 0 on a per-device topic (what Theengs Gateway does), no outbox, no
  pseudonym.

Measured in the same run: throughput (N adverts pushed as fast as the pipeline takes
them, until the broker has them all), CPU time of this process per advert (user + sys,
all threads: paho's network thread and the outbox pump included), and advert-to-
subscriber latency (p50/p95, subscriber clock = same machine) at a paced rate. Printed
with ratios iotedge / anchor. ``--quick`` is a short smoke run for the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

import paho.mqtt.client as paho  # noqa: E402
from paho.mqtt.enums import CallbackAPIVersion  # noqa: E402
from tests._broker import Mosquitto  # noqa: E402

from iotedge.adapters.mqtt import MqttLink, MqttSettings  # noqa: E402
from iotedge.adapters.outbox import Outbox  # noqa: E402
from iotedge.core import badge  # noqa: E402
from iotedge.core.errors import IotEdgeError  # noqa: E402
from iotedge.gateway.badge_gateway import BadgeGateway  # noqa: E402
from iotedge.gateway.pseudonym import Pseudonymiser, PseudonymKey, epoch_of  # noqa: E402
from iotedge.hal.radio import Advertisement  # noqa: E402

BADGES = 300

_SUBSCRIBER = r"""
import json, sys, time
import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
port = int(sys.argv[1])
phase = {"name": None, "count": 0, "lat": []}
def on_message(c, u, msg):
    now = time.time()
    if msg.topic == "bench/ctl":
        cmd, name, path = msg.payload.decode().split(" ")
        if cmd == "reset":
            phase.update(name=name, count=0, lat=[])
        else:
            lat = sorted(phase["lat"])
            pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] if lat else None
            doc = {"count": phase["count"], "p50_s": pick(0.5), "p95_s": pick(0.95),
                   "max_s": lat[-1] if lat else None}
            open(path + ".tmp", "w").write(json.dumps(doc))
            import os; os.replace(path + ".tmp", path)
        return
    if msg.topic == "bench/ctl-marker":
        return
    doc = json.loads(msg.payload)
    if "items" in doc:
        phase["count"] += len(doc["items"])
        phase["lat"].extend(now - item["ts"] for item in doc["items"])
    else:
        phase["count"] += 1
        phase["lat"].append(now - doc["t"])
c = paho.Client(CallbackAPIVersion.VERSION2, client_id="bench-sub")
c.on_message = on_message
c.on_connect = lambda c, u, f, rc, p: (c.subscribe("bench/#", qos=1), print("ready", flush=True))
c.connect("127.0.0.1", port)
c.loop_forever()
"""


def _pin(pid: int, cpu: int) -> None:
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > cpu:
        os.sched_setaffinity(pid, {cpu})


def make_adverts(n: int, seed: int = 7) -> list[tuple[str, int, bytes]]:
    """(address, rssi, AD bytes) of real badge adverts (iotedge.core.badge.encode)."""
    rng = random.Random(seed)
    addrs = [
        ":".join(
            f"{b:02X}" for b in [0xC0 | rng.randrange(64)] + [rng.randrange(256) for _ in range(5)]
        )
        for _ in range(BADGES)
    ]
    frames = []
    for i in range(n):
        b = i % BADGES
        data = badge.encode(0xC0DE0000 + b, (i // BADGES) & 0xFF, 80, 2100 + b, i // 7 & 0xFFFF, 40)
        frames.append((addrs[b], -40 - rng.randrange(50), data))
    return frames


class IotedgePipeline:
    """The product's own badge gateway (``iotedge.gateway.badge_gateway.BadgeGateway``):
    ``decode_advert`` -> keyed, rotating pseudonym -> 500-item batches -> ``MqttLink``."""

    def __init__(self, port: int, workdir: Path) -> None:
        self.link = MqttLink(
            MqttSettings(port=port, inflight=200), "bench-gw", Outbox(workdir / "outbox.sqlite")
        )
        key = PseudonymKey(b"venue-secret-key".ljust(32, b"\0"), epoch_of(time.time(), 86400, 0))
        self.gateway = BadgeGateway(
            "bench-gw",
            self.link,
            Pseudonymiser(key),
            prefix="bench",
            batch_items=500,
            batch_delay=0.05,
        )
        self.on_advert = self.gateway.on_advert

    @property
    def skipped(self) -> int:
        stats = self.gateway.stats
        return stats.ignored + sum(stats.malformed.values())

    def start(self) -> None:
        self.link.start()
        if not self.link.wait_connected(10):
            raise SystemExit("iotedge pipeline could not connect")

    def tick(self) -> None:
        self.gateway.poll()

    def drain(self, timeout: float) -> bool:
        self.gateway.flush()
        return self.link.wait_idle(timeout)

    def stop(self) -> None:
        self.link.stop()


class TheengsStylePipeline:
    def __init__(self, port: int) -> None:
        self.client = paho.Client(CallbackAPIVersion.VERSION2, client_id="bench-theengs")
        self.port = port
        self.skipped = 0

    def start(self) -> None:
        self.client.connect("127.0.0.1", self.port)
        self.client.loop_start()

    def on_advert(self, adv: Advertisement) -> None:
        try:
            r = badge.decode(adv.data)
        except IotEdgeError:
            self.skipped += 1
            return
        doc = {
            "id": adv.address,
            "rssi": adv.rssi,
            "t": adv.timestamp,
            "badge": r.badge_id,
            "packet": r.packet_id,
            "batt": r.battery,
            "tempc": r.temperature_centi / 100,
            "claps": r.claps,
            "hum": r.humidity,
        }
        self.client.publish("bench/theengs/" + adv.address, json.dumps(doc), qos=0)

    def tick(self) -> None:
        pass

    def drain(self, timeout: float) -> bool:
        # TCP keeps order: once the broker acks this QoS 1 marker it has every QoS 0 before it.
        info = self.client.publish("bench/ctl-marker", b"", qos=1)
        info.wait_for_publish(timeout)
        return info.is_published()

    def stop(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def _cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


class Subscriber:
    def __init__(self, port: int, workdir: Path) -> None:
        self.workdir = workdir
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _SUBSCRIBER, str(port)], stdout=subprocess.PIPE, text=True
        )
        _pin(self.proc.pid, 1)
        assert self.proc.stdout is not None
        if self.proc.stdout.readline().strip() != "ready":
            raise SystemExit("subscriber did not start")
        self.ctl = paho.Client(CallbackAPIVersion.VERSION2, client_id="bench-ctl")
        self.ctl.connect("127.0.0.1", port)
        self.ctl.loop_start()

    def command(self, cmd: str, phase: str) -> dict[str, Any] | None:
        path = self.workdir / f"{phase}.json"
        self.ctl.publish("bench/ctl", f"{cmd} {phase} {path}", qos=1).wait_for_publish(10)
        if cmd != "dump":
            time.sleep(0.2)
            return None
        deadline = time.monotonic() + 120  # it may still be working through a backlog
        while not path.exists():
            if time.monotonic() > deadline:
                raise SystemExit("subscriber did not report")
            time.sleep(0.02)
        result: dict[str, Any] = json.loads(path.read_text())
        path.unlink()
        return result

    def wait_count(self, phase: str, n: int, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            result = self.command("dump", phase)
            assert result is not None
            if result["count"] >= n or time.monotonic() > deadline:
                return result
            time.sleep(0.2)

    def close(self) -> None:
        self.ctl.loop_stop()
        self.ctl.disconnect()
        self.proc.terminate()
        self.proc.wait(10)


def throughput(
    pipe: Any, sub: Subscriber, name: str, frames: list[tuple[str, int, bytes]]
) -> dict[str, Any]:
    sub.command("reset", name)
    on_advert: Callable[[Advertisement], None] = pipe.on_advert
    cpu0, t0 = _cpu(), time.perf_counter()
    for i, (addr, rssi, data) in enumerate(frames):
        on_advert(Advertisement(addr, rssi, data, time.time(), "bench-gw"))
        if i & 1023 == 0:
            pipe.tick()
    drained = pipe.drain(120)
    elapsed, cpu = time.perf_counter() - t0, _cpu() - cpu0
    got = sub.wait_count(name, len(frames), 60)
    return {
        "adverts": len(frames),
        "seconds": round(elapsed, 3),
        "adverts_per_s": round(len(frames) / elapsed),
        "cpu_us_per_advert": round(cpu / len(frames) * 1e6, 2),
        "cpu_core_fraction_per_1000_adverts_per_s": round(cpu / len(frames) * 1000, 4),
        "delivered": got["count"],
        "drained": drained,
    }


def latency(
    pipe: Any, sub: Subscriber, name: str, frames: list[tuple[str, int, bytes]], rate: float
) -> dict[str, Any]:
    sub.command("reset", name)
    on_advert = pipe.on_advert
    t0 = time.perf_counter()
    sent = 0
    while sent < len(frames):
        due = min(len(frames), int((time.perf_counter() - t0) * rate) + 1)
        while sent < due:
            addr, rssi, data = frames[sent]
            on_advert(Advertisement(addr, rssi, data, time.time(), "bench-gw"))
            sent += 1
        pipe.tick()
        time.sleep(0.001)
    pipe.drain(60)
    got = sub.wait_count(name, len(frames), 60)
    return {
        "rate": rate,
        "adverts": len(frames),
        "delivered": got["count"],
        "p50_ms": round(got["p50_s"] * 1000, 2),
        "p95_ms": round(got["p95_s"] * 1000, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="short smoke run")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    n = 20_000 if args.quick else 200_000
    rate, paced_s = (2000.0, 1.0) if args.quick else (3000.0, 5.0)
    frames = make_adverts(n)
    paced = frames[: int(rate * paced_s)]
    _pin(0, 0)
    results: dict[str, Any] = {"quick": args.quick, "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        broker = Mosquitto(work / "broker", persistence=False).start()
        assert broker.proc is not None
        _pin(broker.proc.pid, 1)
        sub = Subscriber(broker.port, work)
        try:
            for name, pipe in (
                ("iotedge", IotedgePipeline(broker.port, work)),
                ("theengs_style", TheengsStylePipeline(broker.port)),
            ):
                pipe.start()
                results[name] = throughput(pipe, sub, name, frames)
                results[name]["latency"] = latency(pipe, sub, name + "-paced", paced, rate)
                pipe.stop()
        finally:
            sub.close()
            broker.stop()
    ours, anchor = results["iotedge"], results["theengs_style"]
    results["ratios"] = {
        "throughput_iotedge_over_anchor": round(ours["adverts_per_s"] / anchor["adverts_per_s"], 2),
        "cpu_per_advert_iotedge_over_anchor": round(
            ours["cpu_us_per_advert"] / anchor["cpu_us_per_advert"], 2
        ),
        "p95_latency_iotedge_over_anchor": round(
            ours["latency"]["p95_ms"] / max(anchor["latency"]["p95_ms"], 0.01), 1
        ),
    }
    for name in ("iotedge", "theengs_style"):
        r = results[name]
        share = r["cpu_core_fraction_per_1000_adverts_per_s"] * 100
        print(
            f"{name:14s} {r['adverts_per_s']:>8,} adverts/s on one core "
            f"({r['delivered']:,}/{r['adverts']:,} delivered), "
            f"{r['cpu_us_per_advert']} us CPU/advert = "
            f"{share:.2f}% of a core per 1,000 adverts/s; "
            f"at {r['latency']['rate']:.0f}/s: p50 {r['latency']['p50_ms']} ms, "
            f"p95 {r['latency']['p95_ms']} ms"
        )
    ratios = results["ratios"]
    print(
        f"ratios iotedge/anchor: throughput x{ratios['throughput_iotedge_over_anchor']}, "
        f"CPU per advert x{ratios['cpu_per_advert_iotedge_over_anchor']}, "
        f"p95 latency x{ratios['p95_latency_iotedge_over_anchor']} (batching waits up to 50 ms)"
    )
    target = "met" if ours["adverts_per_s"] >= 50_000 else "NOT met"
    print(f"target >= 50,000 adverts/s on one core: {target}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
