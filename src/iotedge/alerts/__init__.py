"""Back-end side of signed alerts (CPython): key files, the counter-keeping signer.

The frame format, verification and the replay window live in the portable core
(``iotedge.core.alert_*``); this package adds what only a server needs: secrets on
disk, a counter that survives crashes, and files written atomically.
"""
