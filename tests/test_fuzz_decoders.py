"""Fuzz every decoder with 10^6+ random, truncated and bit-flipped inputs per run.

The only exception allowed to escape is the library's own ``IotEdgeError``. The seed
and the input count go to the terminal summary of every run, passing or failing
(``record_property``, printed by tests/conftest.py), and the seed into any failure's
message; replay a run with ``IOTEDGE_FUZZ_SEED=<seed>``. Mutations are
cheap on purpose (one truncation, bit flip, byte change, insertion or a random
buffer per input) so a million inputs take seconds.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable

from iotedge.core import ad_record, badge, bthome, bthome_encode, nodeconf2018
from iotedge.core import nodeconf2018_encode as nce
from iotedge.core.errors import IotEdgeError
from tests.conftest import SUMMARY_PROPERTY

KEY = bytes.fromhex("231d39c1d7cc1ab1aee224cd096db932")
MAC = bytes.fromhex("5448E68F80A5")
TOTAL = 1_000_000


def _corpus() -> dict[str, list[bytes]]:
    adverts = [
        bytes.fromhex("0201060B094449592D73656E736F720A16D2FC4002C40903BF13"),
        badge.encode(0x1A2B3C4D, 3, 90, 2150, 7, 45, b"B3C"),
        badge.encode(1, 255, 5, -1050, 65535, badge.NO_HUMIDITY, b"B1234"),
        nce.advert(nce.badge_json(21, 6)),
        nce.advert(nce.control_frame(25920000, 2, 3)),
        nce.advert(nce.talk_frame(7, 570, "Keynote")),
        bytes.fromhex("02010605021234185605050000FCD2020AF404FF4C0001"),
    ]
    service = [
        bytes.fromhex("40015D02CA0903BF13"),
        bytes.fromhex("40002E01641E012E34451601"),
        bytes.fromhex("4000010B0000004A0D0901330CE90C"),
        bytes.fromhex("42B2188D38C1A404138A01"),
        bthome_encode.encode([(0x3A, 1), (0x3B, b"\x01\x02"), (0x3C, 0x0301), (0x53, "hé")]),
        bthome_encode.encode([(0x50, 1684093277), (0x54, b"\x01\x02\x03"), (0xF1, 0x04020100)]),
    ]
    encrypted = [
        bytes.fromhex("41A47266C95F730011223378237214"),
        bthome_encode.encode([(0x00, 9), (0x01, 90), (0x02, -150)], key=KEY, mac=MAC, counter=5),
    ]
    manufacturer = [
        nce.badge_json(21, 6),
        nce.badge_json(-3),
        nce.control_frame(25920000, 2, 3),
        nce.led_frame((1, 2, 3), (4, 5, 6), ((7, 8, 9),) * 4),
        nce.text_frame(5, "Fire drill"),
        nce.talk_frame(10, 840, "Streams"),
    ]
    return {
        "adverts": adverts,
        "service": service,
        "encrypted": encrypted,
        "manufacturer": manufacturer,
    }


def _mutate(rng: random.Random, base: bytes) -> bytes:
    choice = rng.random()
    n = len(base)
    if choice < 0.25:  # truncate
        return base[: rng.randrange(n + 1)]
    if choice < 0.55:  # flip one bit
        i = rng.randrange(n)
        return base[:i] + bytes((base[i] ^ (1 << rng.randrange(8)),)) + base[i + 1 :]
    if choice < 0.75:  # replace one byte
        i = rng.randrange(n)
        return base[:i] + bytes((rng.randrange(256),)) + base[i + 1 :]
    if choice < 0.85:  # insert one byte
        i = rng.randrange(n + 1)
        return base[:i] + bytes((rng.randrange(256),)) + base[i:]
    return rng.randbytes(rng.randrange(40))  # random buffer


def _decoders() -> list[tuple[str, str, Callable[[bytes], object], int]]:
    # (name, corpus, decoder, share of the inputs in per mille)
    return [
        ("ad_record.parse", "adverts", ad_record.parse, 200),
        ("bthome.decode_advert", "adverts", bthome.decode_advert, 100),
        ("badge.decode", "adverts", badge.decode, 150),
        ("nodeconf2018.decode_advert", "adverts", nodeconf2018.decode_advert, 100),
        ("bthome.decode strict", "service", bthome.decode, 150),
        ("bthome.decode lenient", "service", lambda d: bthome.decode(d, strict=False), 150),
        ("nodeconf2018.decode_manufacturer", "manufacturer", nodeconf2018.decode_manufacturer, 100),
        ("bthome.decode encrypted", "encrypted", lambda d: bthome.decode(d, key=KEY, mac=MAC), 50),
    ]


def test_only_iotedge_errors_escape_the_decoders(
    record_property: Callable[[str, object], None],
) -> None:
    seed = int(os.environ.get("IOTEDGE_FUZZ_SEED", str(random.SystemRandom().randrange(2**32))))
    # recorded before the run, so a crash or a failure still shows it
    record_property(SUMMARY_PROPERTY, f"fuzz seed {seed} (replay with IOTEDGE_FUZZ_SEED={seed})")
    rng = random.Random(seed)
    corpus = _corpus()
    ran = 0
    rejected = 0
    started = time.perf_counter()
    for name, which, decode, share in _decoders():
        bases = corpus[which]
        for _ in range(TOTAL * share // 1000):
            data = _mutate(rng, bases[rng.randrange(len(bases))])
            try:
                decode(data)
            except IotEdgeError:
                rejected += 1
            except Exception as exc:  # the finding: anything else is a bug
                raise AssertionError(
                    f"{name} raised {type(exc).__name__} on {data.hex()} (seed {seed})"
                ) from exc
            ran += 1
    elapsed = time.perf_counter() - started
    record_property(
        SUMMARY_PROPERTY,
        f"fuzz seed {seed}: {ran} inputs, {rejected} rejected with IotEdgeError, {elapsed:.1f} s",
    )
    assert ran >= TOTAL
    assert 0 < rejected < ran  # both accepted and rejected inputs were exercised
