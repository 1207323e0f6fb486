"""Per-board wiring maps: which pin the HIL suite expects each part on.

The map is picked from what the board reports (``sys.platform``); the stand-in board is a
Pico W (its ``machine`` and simulated DHT22 follow the rp2 map). ``--hil-dht PIN``
overrides the DHT22 pin of a real board.
"""

from __future__ import annotations

from types import ModuleType

from hil_tests.wiring import esp32, rp2

MAPS: dict[str, ModuleType] = {"rp2": rp2, "esp32": esp32, "linux": rp2}


def for_platform(platform: str) -> ModuleType:
    """The wiring map for a board's ``sys.platform``; KeyError names the ones there are."""
    try:
        return MAPS[platform]
    except KeyError:
        raise KeyError(
            f"no wiring map for platform {platform!r} (have: {', '.join(sorted(MAPS))}); "
            "add hil_tests/wiring/<platform>.py"
        ) from None
