"""Golden Ed25519 alert vectors, the back-end's side: the same frames, byte for byte.

Signs with the portable Ed25519 signer and builds the fragments with alert_sign.
"""

import gc

from vectors_alert import frames_of, meta, unhex, vectors

from iotedge.core import ed25519
from iotedge.core.alert_sign import build_ed25519_frames


def test_ed25519_vector_frames_are_built_byte_for_byte():
    doc = meta("ed25519")
    secret = unhex(doc["keys"][0]["secret"])
    count = 0
    for vector in vectors("ed25519"):
        frames = build_ed25519_frames(
            lambda m: ed25519.sign(secret, m),
            vector["key_id"],
            vector["counter"],
            vector["msg_type"],
            unhex(vector["body"]),
            doc["company"],
        )
        assert frames_of(vector) == frames, vector["name"]
        count += 1
        gc.collect()
    assert count == 8
