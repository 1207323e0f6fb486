"""The receiver accepts every golden HMAC vector once, in order or with fragments reversed.

Badge side only: the keyring is loaded from text and nothing of the signer is imported.
"""

import gc

from alert_support import keyring_of, message_of
from vectors_alert import frames_of, meta, vectors

from iotedge.core.alert_receiver import AlertReceiver


def _accept_all(reverse):
    doc = meta("hmac")
    receiver = AlertReceiver(keyring_of(doc))
    count = 0
    for vector in vectors("hmac"):
        frames = frames_of(vector)
        if reverse:
            frames.reverse()
        got = []
        for frame in frames + frames:  # every frame twice: the copies are duplicates
            message = receiver.feed(frame, doc["now"])
            if message is not None:
                got.append(message.to_dict())
        assert got == [message_of(vector)], vector["name"]
        assert receiver.reason == "duplicate", receiver.reason
        count += 1
        gc.collect()
    assert count == 8
    assert receiver.accepted == 8


def test_hmac_vectors_are_accepted_once_in_order():
    _accept_all(False)


def test_hmac_vectors_are_accepted_once_with_fragments_reversed():
    _accept_all(True)
