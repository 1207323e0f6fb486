"""Helpers for the portable receiver tests: a test key, keyrings and hand-laid frames.

The frames are laid out here from the byte tables of docs/alerts.md (flags AD,
manufacturer AD, VT, key id, counter, [fragment byte], body, 8-byte tag) with only
``struct`` and the badge's own HmacKey, so a receiver test loads the badge side and
nothing of the back-end (alert_sign, alert_encode, alert_frame): that is what lets it
run in a 64 KB heap. test_alert_vectors.py checks on both interpreters that these
frames are byte for byte what the back-end's builders produce.
"""

import struct

from checks import raises  # noqa: F401 - re-exported for the alert tests

from iotedge.core.alert_auth import HmacKey

# A test HMAC key: RFC 4231 test case 2's key "Jefe" is too short for a keyring
# (16 bytes minimum), so the portable receiver tests use 32 bytes 0x00..0x1f.
TEST_KEY = bytes(range(32))
KEY = HmacKey(TEST_KEY, 0xFFFF)
NOW = 1767225600
MINUTE = (NOW // 60) & 0xFFFF
LED = 2
ALERT = 5
REVOKE = 15


def make_ring(company=0xFFFF, key_ids=(1,), types=None):
    # Imported here: test_alert_vectors.py uses the frame helpers without a keyring.
    from iotedge.core.alert_keyring import KeyEntry, Keyring

    ring = Keyring(company)
    for key_id in key_ids:
        if types is None:
            ring.add(KeyEntry(key_id, 0, TEST_KEY))
        else:
            ring.add(KeyEntry(key_id, 0, TEST_KEY, types))
    return ring


def body_header(code=0, ttl=0, scope=0):
    """code, scope, ttl, issued (uint16 LE): the 5 bytes every body starts with."""
    return struct.pack("<BBBH", code, scope, ttl, MINUTE)


def frame(msg_type, counter, body, key_id=1, key=KEY, index=-1, last=0):
    """One HMAC advert: unfragmented when ``index`` < 0, else fragment ``index`` of ``last``."""
    vt = 0x40 | msg_type  # version 1, HMAC
    if index < 0:
        signed = struct.pack("<BBI", vt, key_id, counter) + body
    else:
        signed = struct.pack("<BBIB", vt | 0x20, key_id, counter, index << 4 | last) + body
    payload = signed + key.tag(signed)
    return b"\x02\x01\x06" + struct.pack("<BBH", len(payload) + 3, 0xFF, 0xFFFF) + payload


def frames(msg_type, counter, body, key_id=1, key=KEY):
    """A message's adverts: one frame for up to 10 body bytes, else 9-byte fragments."""
    if len(body) <= 10:
        return [frame(msg_type, counter, body, key_id, key)]
    last = (len(body) - 1) // 9
    return [
        frame(msg_type, counter, body[i * 9 : i * 9 + 9], key_id, key, i, last)
        for i in range(last + 1)
    ]


def led(counter, key_id=1, key=KEY):
    """One single-frame LED message (pattern 1) whose red level is the counter's low byte."""
    body = body_header(code=1) + bytes([counter & 0xFF, 0, 0, 0])
    return frame(LED, counter, body, key_id, key)


def alert(counter, text, key_id=1, ttl=0):
    """The frames of a text alert (fragmented when the text is long)."""
    return frames(ALERT, counter, body_header(ttl=ttl) + text.encode(), key_id)


def revoke(counter, key_ids, key_id=1):
    """The frames of a revocation of ``key_ids``, signed by ``key_id``."""
    return frames(REVOKE, counter, body_header() + bytes(key_ids), key_id)


def feed_all(receiver, adverts, now=NOW):
    out = []
    for adv in adverts:
        message = receiver.feed(adv, now)
        if message is not None:
            out.append(message)
    return out


def message_of(vector):
    """What ``AlertMessage.to_dict()`` must return for the vector's message."""
    message = {"type": vector["type"], "key_id": vector["key_id"], "counter": vector["counter"]}
    fields = vector["fields"]
    for name in fields:
        message[name] = fields[name]
    return message


def keyring_of(doc):
    """Keyring trusting every key of a vector file's meta (public half for Ed25519),
    loaded through the keyring file parser as a badge loads it."""
    from iotedge.core.alert_keyring import parse_keyring

    text = "iotedge-alert-keyring 1\ncompany " + str(doc["company"]) + "\n"
    for key in doc["keys"]:
        text += "key " + str(key["key_id"]) + " " + key["scheme"] + " " + key["trusted"]
        text += " types=all\n"
    return parse_keyring(text.encode())
