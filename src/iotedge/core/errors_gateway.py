"""Gateway-side errors: serial bridge, MQTT payloads, NodeConf frames, configuration.

Import them from :mod:`iotedge.core.errors`, which loads this module on first use.
"""

from .errors import IotEdgeError


class SerialFrameError(IotEdgeError):
    """A serial bridge frame is corrupt (bad CRC, bad syntax, bad field)."""


class PayloadError(IotEdgeError):
    """An MQTT payload (report batch, status, command) is malformed or of the wrong version.

    ``reason``: ``"not-json"``, ``"bad-envelope"``, ``"bad-version"``, ``"bad-field"``.
    """


class NodeConfError(IotEdgeError):
    """A NodeConf EU 2018 badge or gateway frame (company 0x0590) is malformed.

    ``reason``: ``"not-nodeconf"``, ``"bad-json"``, ``"unknown-type"``, ``"bad-length"``.
    """


class ConfigError(IotEdgeError):
    """A gateway configuration file or command-line setting is invalid.

    ``reason``: ``"bad-toml"``, ``"unknown-key"``, ``"bad-type"``, ``"bad-value"``,
    ``"missing"``; ``detail`` names the setting (``section.key``).
    """
