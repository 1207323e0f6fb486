"""What each receiver ``reason`` code means (for tools and docs; badges need not load it).

``AlertReceiver.reason`` is one of these keys after every ``feed``; tests check
that the receiver sets no code missing here.
"""

REASONS = {
    "accepted": "the message was verified and delivered",
    "partial": "an authentic fragment was stored; the message is not complete yet",
    "not-alert": "no manufacturer data with the keyring's company id",
    "short": "the alert payload is too short for its header and tag",
    "long": "the alert payload is longer than 24 bytes",
    "bad-version": "the version bits are not 1",
    "unknown-key": "the key id is not in the keyring",
    "key-revoked": "the key id has been revoked",
    "key-not-yet-valid": "the key's validity window has not started",
    "key-expired": "the key's validity window is over",
    "type-not-allowed": "this key may not sign this message type",
    "scheme-mismatch": "the frame's scheme bit does not match the key",
    "bad-counter": "counter 0 is never used",
    "stale": "the counter is below the replay window",
    "duplicate": "this counter was already accepted (a relay copy or a replay)",
    "bad-fragment": "fragment index or count is impossible",
    "duplicate-fragment": "this fragment is already stored",
    "bad-length": "a fragment's size does not match its position",
    "bad-tag": "the HMAC tag does not match: forged or corrupted",
    "fragment-conflict": "a fragment disagrees with the others of its message",
    "bad-signature": "the Ed25519 signature does not verify",
    "counter-jump": "the counter jumps absurdly far past the last accepted one",
    "bad-body": "the authenticated body does not decode",
    "expired": "the message's time-to-live has run out",
}
