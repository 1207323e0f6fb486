"""Hardware-in-the-loop fixtures: one suite, a real board and radio or faithful stand-ins.

Target selection (hil_tests/_target.py): ``--hil-port`` / ``IOTEDGE_HIL_PORT`` (``standin``,
``auto`` or a serial device), ``--hil-ble`` / ``IOTEDGE_HIL_BLE`` (``virtual``, a bumble
transport or a BlueZ adapter), ``--hil-dht PIN`` / ``IOTEDGE_HIL_DHT`` (a wired DHT22),
``--hil-wifi SSID:PASSWORD`` and ``--hil-broker-host ADDR`` (a real board's node test).

Markers (registered in pyproject.toml):

* ``hil``: runs against the selected board, stand-in or real;
* ``hardware``: only on a real board (skipped on the stand-in, saying why);
* ``standin``: checks the stand-in itself (skipped on a real board);
* ``board_ble``, ``board_wifi``, ``board_dht``: need that capability, checked against what
  the board reports: its ``bluetooth``/``network`` modules (and, for BLE, a gateway radio
  that can reach it); for the DHT22, whether a sensor answers the board's ``dht`` driver on
  the pin (``--hil-dht PIN``, else the wiring map's). The stand-in's simulated sensor is
  always wired.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests._broker import Mosquitto

from hil_tests._board import Board, BoardError, StandinProcess
from hil_tests._radio import Gateway, VirtualVenue, hardware_gateway
from hil_tests._target import Target, target_from_config
from hil_tests.standin.board import BOARD_HW, DEFAULT_HEAP
from hil_tests.wiring import for_platform

#: The stand-in board's heap (``-X heapsize``): a Pico W's by default.
STANDIN_HEAP = os.environ.get("IOTEDGE_HIL_STANDIN_HEAP", DEFAULT_HEAP)
#: The RP2040's ADC(4) reading the stand-in ``machine`` reports (27.6 C, see test_sensor_node).
STANDIN_ADC4 = 14000


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("hil", "hardware-in-the-loop target (see hil_tests/_target.py)")
    group.addoption("--hil-port", default=None, help="standin (default), auto, or a device")
    group.addoption("--hil-ble", default=None, help="virtual (default), usb:0, hci0 ...")
    group.addoption("--hil-dht", default=None, help="GPIO of a wired DHT22 (real board)")
    group.addoption("--hil-wifi", default=None, help="SSID:PASSWORD for a real board")
    group.addoption("--hil-broker-host", default=None, help="address the board reaches")


@pytest.fixture(scope="session")
def hil_target(pytestconfig: pytest.Config) -> Target:
    return target_from_config(pytestconfig)


@pytest.fixture(scope="session")
def venue(hil_target: Target) -> Iterator[VirtualVenue | None]:
    """The virtual radio link (the stand-in board's radio lives on it)."""
    if not hil_target.virtual_radio:
        yield None
        return
    radio = VirtualVenue()
    try:
        yield radio
    finally:
        radio.close()


@pytest.fixture(scope="session")
def board(
    hil_target: Target, venue: VirtualVenue | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Board]:
    if not hil_target.standin:
        yield Board(hil_target.port)
        return
    env = {
        "IOTEDGE_SIM_DHT22": f"{BOARD_HW}/dht22.json",
        "IOTEDGE_STANDIN_WLAN": f"{BOARD_HW}/wlan",
        "IOTEDGE_STANDIN_ADC4": str(STANDIN_ADC4),
    }
    if venue is not None:
        env["IOTEDGE_STANDIN_RADIO"] = venue.board_endpoint
    standin = StandinProcess(tmp_path_factory.mktemp("standin-board"), STANDIN_HEAP, env)
    try:
        yield Board(standin.port, standin)
    finally:
        standin.stop()


@pytest.fixture(scope="session")
def installed(board: Board) -> str:
    """``mpremote mip install micropython/package.json`` onto the board, once; its output."""
    proc = board.mpremote("mip", "install", "micropython/package.json", timeout=300)
    return proc.stdout


@pytest.fixture(scope="session")
def gateway(hil_target: Target, venue: VirtualVenue | None) -> Iterator[Gateway]:
    if venue is not None:
        assert venue.gateway is not None
        yield venue.gateway
        return
    radio, close = hardware_gateway(hil_target.ble)
    try:
        yield radio
    finally:
        close()


@pytest.fixture
def wiring(board: Board) -> object:
    return for_platform(board.info().platform)


def _requirement(item: pytest.Item, target: Target, board: Board | None) -> str | None:
    """Why ``item`` cannot run on this target (None: it can)."""
    if item.get_closest_marker("hardware") and target.standin:
        return "needs a real board (--hil-port PORT or auto); this run uses the stand-in"
    if item.get_closest_marker("standin") and not target.standin:
        return "checks the stand-in board itself; this run uses a real board"
    if board is None:
        return None
    info = board.info()
    if item.get_closest_marker("board_ble"):
        if not info.ble:
            return f"the board ({info.machine}) reports no bluetooth module"
        if target.standin and not target.virtual_radio:
            return "the stand-in board's radio is on the virtual link: use --hil-ble virtual"
        if not target.standin and target.virtual_radio:
            return "a real board needs a real gateway radio: --hil-ble usb:0 | hci-socket:0 | hci0"
    if item.get_closest_marker("board_wifi") and not info.wifi:
        return f"the board ({info.machine}) reports no network.WLAN"
    if item.get_closest_marker("board_dht") and not target.standin:
        pin = dht_pin(target, for_platform(info.platform))
        if not board.dht_answers(pin):
            return f"no DHT22 answers on pin {pin} (wire one, or pick the pin: --hil-dht PIN)"
    return None


@pytest.fixture(autouse=True)
def _hil_requirements(request: pytest.FixtureRequest, hil_target: Target) -> None:
    item = request.node
    needs_board = any(item.get_closest_marker(m) for m in ("board_ble", "board_wifi", "board_dht"))
    board = request.getfixturevalue("board") if needs_board else None
    why = _requirement(item, hil_target, board)
    if why:
        pytest.skip(why)


def dht_pin(target: Target, wiring: object) -> int:
    """The DHT22 pin: ``--hil-dht`` if given, else the wiring map's."""
    return target.dht_pin if target.dht_pin is not None else int(wiring.DHT22_PIN)  # type: ignore[attr-defined]


def hw_path(board: Board, name: str) -> Path:
    """Host path of a stand-in hardware control file (``/.standin/hw/NAME`` on the board)."""
    if board.standin is None:
        raise BoardError("stand-in hardware controls exist on the stand-in board only")
    return board.standin.hw / name


class ReachableMosquitto(Mosquitto):
    """The test broker, listening on loopback and, for a real board, on ``host`` too."""

    def __init__(self, workdir: Path, host: str) -> None:
        super().__init__(workdir)
        self.host = host

    def _write_config(self) -> None:
        super()._write_config()
        if self.host != "127.0.0.1":
            text = self.config.read_text()
            self.config.write_text(f"{text}listener {self.port} {self.host}\n")


@pytest.fixture
def node_broker(hil_target: Target, tmp_path: Path) -> Iterator[ReachableMosquitto]:
    """A mosquitto the board can reach: loopback for the stand-in, --hil-broker-host else."""
    host = "127.0.0.1" if hil_target.standin else hil_target.broker_host
    broker = ReachableMosquitto(tmp_path / "broker", host)
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()
