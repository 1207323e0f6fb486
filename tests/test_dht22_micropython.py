"""The MicroPython DHT22 backends' error paths, under the real MicroPython unix port.

``micropython/iotedge_mp/dht_builtin.py`` (over the ``dht`` module) and
``micropython/iotedge_mp/dht_pulses.py`` (over ``machine.time_pulse_us``) run with
the stand-in ``machine``/``dht`` modules (micropython/standins) on their path, the
pin wired to the simulated DHT22 (micropython/iotedge_mp/sim_dht22.py) or to a
capture built here segment by segment. Each case prints the exact exception class
and reason the backend raised; the tests compare them with what the backend
promises (docs/dht22.md, "Errors").
"""

from __future__ import annotations

import pytest

from iotedge.core import dht22, dht22_sim
from tests._mpy import SRC, run_micropython
from tests._node_harness import MP

pytestmark = pytest.mark.micropython

DRIVER = r"""
import errno
import dht
from iotedge.core import dht22, dht22_sim
from iotedge.core.errors import DHTError
from iotedge_mp import sim_dht22
from iotedge_mp.dht_builtin import BuiltinDHT22
from iotedge_mp.dht_pulses import PulseDHT22

FRAME = dht22.encode_frame(215, 652)  # 21.5 C, 65.2 %: bits 6 and 7 are 1, 0


class Capture:
    # A sensor whose next answer is exactly these segments (dht22_sim.train layout).
    def __init__(self, segments):
        self.segments = segments
        self.triggers = 0

    def trigger(self):
        self.triggers += 1
        return self.segments


def outcome(read):
    try:
        t, h = read()
    except DHTError as exc:
        return type(exc).__name__ + " " + exc.reason
    except Exception as exc:  # a backend must never let anything else out
        return "LEAKED " + type(exc).__name__ + " " + repr(exc)
    return "OK %d %d" % (t, h)


def simulated(fault):
    # Trigger 0 is the clean power-up measurement, trigger 1 carries the fault.
    sim_dht22._shared = sim_dht22.SimDHT22([(215, 652)], {1: fault}, False, 15, 7)


def captured(segments):
    sim_dht22._shared = Capture(segments)


def with_segment(index, width):
    segments = dht22_sim.train(FRAME)
    segments[index] = width
    return segments


def cut(count, last_width):
    # The sensor stops after ``count`` segments, the last held for ``last_width`` us.
    segments = dht22_sim.truncate(dht22_sim.train(FRAME), count)
    segments[-1] = last_width
    return segments


def report(backend, case, read):
    print(backend, case, outcome(read))


# -- BuiltinDHT22: the dht module's OSErrors and Exceptions ---------------------------
for fault in ("", "no-response", "truncate", "checksum"):
    simulated(fault)
    sensor = BuiltinDHT22(4)
    sensor.read_raw()
    report("builtin", fault or "clean", sensor.read_raw)

captured(dht22_sim.train(dht22.pack_raw(1001, 215)))
report("builtin", "humidity-100.1", BuiltinDHT22(4).read_raw)

real_readinto = dht.dht_readinto


def failing(exc):
    def readinto(pin, buf):
        raise exc

    return readinto


for case, exc in (
    ("EIO", OSError(errno.EIO)),
    ("ENODEV", OSError(errno.ENODEV)),
    ("bare-oserror", OSError()),
    ("other-exception", Exception("bus fault")),
):
    dht.dht_readinto = failing(exc)
    report("builtin", case, BuiltinDHT22(4).read_raw)
dht.dht_readinto = real_readinto

# -- PulseDHT22: simulated captures ----------------------------------------------------
for fault in ("", "no-response", "drop-edge", "truncate", "checksum"):
    simulated(fault)
    sensor = PulseDHT22(4)
    sensor.read_raw()
    report("pulses", fault or "clean", sensor.read_raw)

# An edge lost between two 0 bits (bits 0 and 1: 26 + 50 + 26 = 102 us, no bad width).
captured(dht22_sim.drop_segment(dht22_sim.train(FRAME), 5))
report("pulses", "drop-edge-zeros", PulseDHT22(4).read_raw)
# Bit 5's high stretched to 150 us (a glitch holding the line up; timeout is 250 us).
captured(with_segment(4 + 2 * 5, 150))
report("pulses", "stretched-150us", PulseDHT22(4).read_raw)
# The sensor hangs mid-frame: line held low (after bit 18's high) or high, for 1 s.
captured(cut(42, 1000000))
report("pulses", "hang-low", PulseDHT22(4).read_raw)
captured(cut(41, 1000000))
report("pulses", "hang-high", PulseDHT22(4).read_raw)
# The line never comes back low after the release (a sensor holding it high).
captured([1000000])
report("pulses", "hang-before-response", PulseDHT22(4).read_raw)
print("DONE")
"""

EXPECTED = {
    ("builtin", "clean"): "OK 215 652",
    ("builtin", "no-response"): "DHTNoResponseError no-response",
    ("builtin", "truncate"): "DHTNoResponseError no-response",
    ("builtin", "checksum"): "DHTChecksumError bad-checksum",
    ("builtin", "humidity-100.1"): "DHTRangeError humidity-range",
    ("builtin", "EIO"): "DHTError backend-error",
    ("builtin", "ENODEV"): "DHTError backend-error",
    ("builtin", "bare-oserror"): "DHTError backend-error",
    ("builtin", "other-exception"): "DHTError backend-error",
    ("pulses", "clean"): "OK 215 652",
    ("pulses", "no-response"): "DHTNoResponseError no-response",
    ("pulses", "drop-edge"): "DHTPulseError too-few-pulses",
    ("pulses", "truncate"): "DHTPulseError too-few-pulses",
    ("pulses", "checksum"): "DHTChecksumError bad-checksum",
    ("pulses", "drop-edge-zeros"): "DHTPulseError too-few-pulses",
    ("pulses", "stretched-150us"): "DHTPulseError bad-width",
    ("pulses", "hang-low"): "DHTPulseError too-few-pulses",
    ("pulses", "hang-high"): "DHTPulseError too-few-pulses",
    ("pulses", "hang-before-response"): "DHTNoResponseError no-response",
}


@pytest.fixture(scope="module")
def outcomes() -> dict[tuple[str, str], str]:
    proc = run_micropython(
        ["-c", DRIVER],
        paths=[MP / "standins", MP, SRC],
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert lines[-1] == "DONE", proc.stdout[-2000:]
    out = {}
    for line in lines[:-1]:
        backend, case, result = line.split(" ", 2)
        out[(backend, case)] = result
    return out


@pytest.mark.parametrize(("case", "expected"), sorted(EXPECTED.items()), ids=lambda x: str(x))
def test_backend_error_type_and_reason(
    outcomes: dict[tuple[str, str], str], case: tuple[str, str], expected: str
) -> None:
    assert outcomes[case] == expected


def test_every_case_ran(outcomes: dict[tuple[str, str], str]) -> None:
    assert set(outcomes) == set(EXPECTED)


def test_the_captures_are_the_faults_they_claim() -> None:
    """The hand-built captures, checked on CPython: what each one does to the bits."""
    frame = dht22.encode_frame(215, 652)
    bits = dht22.bit_widths(frame)
    assert bits[:2] == [dht22.ZERO_US, dht22.ZERO_US] and bits[6:8] == [70, 26]
    zeros = dht22_sim.drop_segment(dht22_sim.train(frame), 5)
    merged = dht22_sim.high_widths(zeros)[1]
    assert merged == 26 + 50 + 26 and merged <= dht22.MAX_BIT_US  # no bad width to see
    assert len(dht22_sim.high_widths(zeros)) == 40  # response high + 39 bits
    # The sim's drop-edge fault (segment 17) merges bits 6 and 7: 70 + 50 + 26 us.
    assert dht22_sim.high_widths(dht22_sim.drop_segment(dht22_sim.train(frame), 17))[7] == 146
