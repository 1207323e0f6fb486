"""Presence estimation and virtual venue errors.

Import them from :mod:`iotedge.core.errors`, which loads this module on first use.
"""

from .errors import IotEdgeError


class PresenceError(IotEdgeError):
    """A venue description, an RSSI report or a presence estimator setting is invalid."""


class SimulationError(IotEdgeError):
    """A virtual-venue scenario or parameter is unknown or out of its range."""
