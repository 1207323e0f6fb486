"""A simulated DHT22 for MicroPython (the twin of iotedge.hal.sim_dht22).

The waveform itself comes from the portable ``iotedge.core.dht22_sim``; this adds the
sensor's behaviour: each trigger returns the measurement taken at the previous
trigger (the first returns the power-up measurement), a schedule of environment
readings, and faults on chosen triggers.

The stand-in ``machine`` and ``dht`` modules (micropython/standins) load one from
the file named by the ``IOTEDGE_SIM_DHT22`` environment variable (JSON)::

    {"readings": [[215, 456], [-101, 652]],   # environment at trigger n: readings[n % len]
     "faults": {"3": "checksum", "7": "hang"}, # checksum, drop-edge, truncate,
                                              # no-response, hang (blocks forever)
     "clone": false, "jitter_us": 10, "seed": 1}
"""

from iotedge.core import dht22, dht22_sim

FAULTS = ("checksum", "drop-edge", "truncate", "no-response", "hang")


class SimDHT22:
    def __init__(self, readings=None, faults=None, clone=False, jitter_us=0, seed=1):
        self.readings = readings or [(215, 456)]
        self.faults = faults or {}
        self.clone = clone
        self.jitter_us = jitter_us
        self.noise = dht22_sim.Jitter(1000, seed)
        self.triggers = 0
        first = self.readings[0]
        self._stored = dht22.encode_frame(first[0], first[1], clone)

    def fault_at(self, trigger):
        return self.faults.get(trigger, "")

    def trigger(self):
        """The waveform for one start signal (dht22_sim.train layout)."""
        n = self.triggers
        self.triggers = n + 1
        frame = self._stored
        env = self.readings[n % len(self.readings)]
        self._stored = dht22.encode_frame(env[0], env[1], self.clone)
        fault = self.fault_at(n)
        if fault == "hang":
            import time

            while True:  # a driver stuck forever: only a watchdog gets out of this
                time.sleep_ms(100)
        if fault == "no-response":
            return [dht22_sim.RELEASE_US]
        if fault == "checksum":
            frame = bytes(frame[:4]) + bytes(((frame[4] + 1) & 0xFF,))
        segments = dht22_sim.train(frame, self.jitter_us, (self.noise.next() & 0xFFFF) + 1)
        if fault == "drop-edge":
            segments = dht22_sim.drop_segment(segments, 3 + 2 * 7)
        elif fault == "truncate":
            segments = dht22_sim.truncate(segments, 40)
        return segments


def from_env():
    """The simulator described by $IOTEDGE_SIM_DHT22, or a steady 21.5 C / 45.6 %."""
    import os

    path = os.getenv("IOTEDGE_SIM_DHT22")
    if not path:
        return SimDHT22()
    import json

    with open(path) as f:
        spec = json.load(f)
    faults = {}
    for key, value in spec.get("faults", {}).items():
        if value not in FAULTS:
            raise ValueError("unknown fault " + value)
        faults[int(key)] = value
    readings = [(r[0], r[1]) for r in spec.get("readings", [[215, 456]])]
    return SimDHT22(
        readings,
        faults,
        spec.get("clone", False),
        spec.get("jitter_us", 0),
        spec.get("seed", 1),
    )


_shared = None


def shared():
    """One simulated sensor per process (every pin of the stand-in board sees it)."""
    global _shared
    if _shared is None:
        _shared = from_env()
    return _shared
