"""Hardware seam: small protocols for radios, sensors and serial links, plus simulated
implementations for tests. CPython only; concrete backends live in ``iotedge.adapters``."""
