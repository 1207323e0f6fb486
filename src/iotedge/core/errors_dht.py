"""DHT22/AM2302 sensor errors.

Import them from :mod:`iotedge.core.errors`, which loads this module on first use.
"""

from .errors import IotEdgeError


class DHTError(IotEdgeError):
    """A DHT22/AM2302 reading failed. Every DHT backend raises only these."""


class DHTNoResponseError(DHTError):
    """The sensor did not answer the start signal (wiring, power, pull-up)."""


class DHTPulseError(DHTError):
    """The pulse train was unusable: too few pulses or a pulse of impossible width."""


class DHTChecksumError(DHTError):
    """The 5th byte is not the low byte of the sum of the first four."""


class DHTRangeError(DHTError):
    """A decoded value is outside the sensor's range (0-100 %RH, -40..80 C)."""


class DHTTooSoonError(DHTError):
    """A read was asked for before the sensor's 2 s minimum interval had passed."""
