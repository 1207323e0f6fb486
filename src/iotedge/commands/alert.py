"""``iotedge alert``: make keys, sign alert frames, verify them like a badge would.

    iotedge alert keygen --key venue.key --keyring keyring.txt [--scheme ed25519]
    iotedge alert sign --key venue.key --type alert --text "Fire drill at 11:00"
    iotedge alert verify --keyring keyring.txt HEX [HEX ...]

``sign`` prints one hex advert per line (the full advertising data, ready for any
advertiser); ``verify`` prints each accepted message as one JSON line, or a
``rejected:`` line with the receiver's reason code, and exits 1 on any rejection.
"""

from __future__ import annotations

import argparse
import binascii
import json
import sys
import time
from pathlib import Path
from typing import Any

from iotedge.alerts.keys import DEFAULT_TYPES
from iotedge.core.errors import EncodeError, KeyringError

_TYPES = ("alert", "info", "schedule", "time", "led", "revoke")
# Default time-to-live in minutes per type: how long a badge keeps showing it and
# after which a replay to a badge that missed it is refused.
_DEFAULT_TTL = {"alert": 30, "info": 60, "schedule": 60, "time": 5, "led": 10, "revoke": 0}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "alert",
        help="signed alert frames: keygen, sign, verify",
        description="Signed, replay-proof alert frames for BLE badges (docs/alerts.md).",
    )
    sub = parser.add_subparsers(dest="alert_command", metavar="ACTION")
    sub.required = True
    _register_keygen(sub)
    _register_sign(sub)
    _register_verify(sub)


def _company(text: str) -> int:
    return int(text, 0)


def _register_keygen(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("keygen", help="create a key file and add its ids to a keyring")
    p.add_argument("--scheme", choices=("hmac", "ed25519"), default="hmac")
    p.add_argument("--key", required=True, type=Path, help="secret key file to write (0600)")
    p.add_argument("--keyring", required=True, type=Path, help="keyring to create or update")
    p.add_argument("--key-id", type=int, default=1, help="first key id (default 1)")
    p.add_argument(
        "--generations", type=int, default=4, help="key ids to provision for rotation (default 4)"
    )
    p.add_argument("--company", type=_company, default=0xFFFF, help="company id (default 0xffff)")
    p.add_argument(
        "--types",
        default=",".join(DEFAULT_TYPES),
        help="comma-separated types the key may sign (default: every type but revoke; "
        "'all' includes revoke); revoke belongs on a dedicated Ed25519 key",
    )
    p.add_argument(
        "--allow-hmac-revoke",
        action="store_true",
        help="let an HMAC key sign revoke: anyone who reads the key out of one badge "
        "can then revoke every key id on every badge (docs/alerts.md)",
    )
    p.add_argument("--not-before", type=int, default=0, help="unix seconds, 0 = unbounded")
    p.add_argument("--not-after", type=int, default=0, help="unix seconds, 0 = unbounded")
    p.add_argument("--force", action="store_true", help="overwrite an existing key file")
    p.set_defaults(func=_keygen)


def _keygen(args: argparse.Namespace) -> int:
    from iotedge.alerts.files import atomic_write
    from iotedge.alerts.keys import SigningKey
    from iotedge.alerts.signer import initialise_state, state_path_for
    from iotedge.core.alert_frame import SCHEME_NAMES
    from iotedge.core.alert_keyring import Keyring, parse_keyring, type_names

    types = args.types.split(",")
    if args.scheme == "hmac" and ("revoke" in types or "all" in types):
        if not args.allow_hmac_revoke:
            raise KeyringError(
                "shared-revoke",
                "an HMAC key is on every badge, so whoever extracts it from one could "
                "revoke all key ids: give revoke to a dedicated Ed25519 key "
                "(--scheme ed25519 --types revoke) or pass --allow-hmac-revoke",
            )
    if args.key.exists() and not args.force:
        raise KeyringError("key-exists", f"{args.key} exists (use --force to replace it)")
    if args.force:
        state_path_for(args.key).unlink(missing_ok=True)
    key = SigningKey.generate(
        SCHEME_NAMES.index(args.scheme),
        first_key_id=args.key_id,
        generations=args.generations,
        company=args.company,
        types=types,
        not_before=args.not_before,
        not_after=args.not_after,
    )
    ring = parse_keyring(args.keyring.read_bytes()) if args.keyring.exists() else None
    if ring is None:
        ring = Keyring(args.company)
    key.add_to_keyring(ring)
    key.save(args.key)
    state = initialise_state(key)
    atomic_write(args.keyring, ring.to_text().encode())
    ids = key.key_ids
    print(f"key file {args.key}: {args.scheme}, key ids {ids[0]}..{ids[-1]}, active {key.active}")
    print("types " + ",".join(type_names(key.types)))
    print(f"counter state {state}: next counter 1")
    print(f"keyring {args.keyring}: {len(ring.keys)} key(s), company {ring.company:#06x}")
    return 0


def _register_sign(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("sign", help="sign one message; prints hex adverts, one per line")
    p.add_argument("--key", required=True, type=Path, help="key file from keygen")
    p.add_argument("--type", required=True, choices=_TYPES, dest="msg_type")
    p.add_argument("--text", help="alert/info text (code 0)")
    p.add_argument("--code", type=int, default=0, help="template id (alert/info), track")
    p.add_argument("--arg", action="append", default=[], help="template argument (repeat)")
    p.add_argument("--scope", type=int, default=0, help="room id, 0 = everyone")
    p.add_argument("--ttl", type=int, help="minutes the message stays valid (0 = forever)")
    p.add_argument("--now", type=float, help="unix time to stamp as issued (default: now)")
    p.add_argument("--now-title", default="")
    p.add_argument("--now-speaker", default="")
    p.add_argument("--now-start", help="HH:MM local start of the current session")
    p.add_argument("--next-title", default="")
    p.add_argument("--next-speaker", default="")
    p.add_argument("--next-start", help="HH:MM local start of the next session")
    p.add_argument("--unix", type=int, help="time message: unix seconds (default: now)")
    p.add_argument("--tz-quarters", type=int, default=0, help="time message: UTC offset / 15 min")
    p.add_argument("--pattern", choices=("off", "solid", "blink", "pulse"), default="solid")
    p.add_argument("--rgb", default="ffffff", help="led colour as RRGGBB hex")
    p.add_argument("--state", type=int, default=0, help="led message: badge state byte")
    p.add_argument("--revoke-id", type=int, action="append", default=[], help="key id to revoke")
    p.add_argument("--rotate", action="store_true", help="move to the next key id first")
    p.set_defaults(func=_sign)


def _hhmm(text: str | None) -> int:
    if text is None:
        return 0xFFFF
    try:
        hours, minutes = text.split(":")
        value = int(hours) * 60 + int(minutes)
    except ValueError:
        raise EncodeError("bad-field", f"start time {text!r} is not HH:MM") from None
    if not 0 <= value < 24 * 60:
        raise EncodeError("out-of-range", f"start time {text!r}")
    return value


def message_fields(args: argparse.Namespace, now: float) -> dict[str, Any]:
    """The body fields for ``encode_body`` from the ``sign`` options."""
    from iotedge.core.alert_messages import LED_PATTERNS

    kind = args.msg_type
    ttl = args.ttl if args.ttl is not None else _DEFAULT_TTL[kind]
    fields: dict[str, Any] = {"scope": args.scope, "ttl": ttl}
    if kind in ("alert", "info"):
        fields["code"] = args.code
        if args.code == 0:
            fields["text"] = args.text or ""
        else:
            fields["args"] = list(args.arg)
    elif kind == "schedule":
        fields.update(
            code=args.code,
            now_start=_hhmm(args.now_start),
            next_start=_hhmm(args.next_start),
            now_title=args.now_title,
            now_speaker=args.now_speaker,
            next_title=args.next_title,
            next_speaker=args.next_speaker,
        )
    elif kind == "time":
        fields.update(unix=args.unix if args.unix is not None else int(now))
        fields.update(tz_quarters=args.tz_quarters)
    elif kind == "led":
        try:
            red, green, blue = binascii.unhexlify(args.rgb)
        except (ValueError, binascii.Error):
            raise EncodeError("bad-field", f"--rgb {args.rgb!r} is not RRGGBB") from None
        fields.update(code=LED_PATTERNS.index(args.pattern), red=red, green=green, blue=blue)
        fields.update(state=args.state)
    else:
        fields["key_ids"] = list(args.revoke_id)
    return fields


def _sign(args: argparse.Namespace) -> int:
    from iotedge.alerts.signer import Signer
    from iotedge.core.alert_messages import TYPE_CODES

    now = args.now if args.now is not None else time.time()
    signer = Signer.open(args.key, rotate=args.rotate)
    if signer.rotated_from is not None:
        print(
            f"iotedge: note: moved from key id {signer.rotated_from} to {signer.key_id} "
            "(counter state was lost or --rotate given)",
            file=sys.stderr,
        )
    frames = signer.sign(TYPE_CODES[args.msg_type], message_fields(args, now), now=now)
    for frame in frames:
        print(frame.hex())
    return 0


def _register_verify(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("verify", help="verify hex adverts as a badge would")
    p.add_argument("--keyring", required=True, type=Path)
    p.add_argument("--state", type=Path, help="replay-window file to use and update")
    p.add_argument("--now", type=int, help="unix seconds (default: now)")
    p.add_argument(
        "--untrusted-clock",
        action="store_true",
        help="do not enforce key validity windows and TTLs (a badge without a clock)",
    )
    p.add_argument("frames", nargs="+", metavar="HEX", help="advertising data in hex")
    p.set_defaults(func=_verify)


def _verify(args: argparse.Namespace) -> int:
    from iotedge.alerts.files import FileWindowStore
    from iotedge.core.alert_keyring import parse_keyring
    from iotedge.core.alert_reasons import REASONS
    from iotedge.core.alert_receiver import AlertReceiver

    ring = parse_keyring(args.keyring.read_bytes())
    store = FileWindowStore(args.state) if args.state else None
    receiver = AlertReceiver(ring, store, clock_trusted=not args.untrusted_clock)
    now = args.now if args.now is not None else int(time.time())
    rejected = 0
    delivered = 0
    for number, text in enumerate(args.frames, 1):
        try:
            adv = binascii.unhexlify(text.strip())
        except (ValueError, binascii.Error):
            print(f"rejected: frame {number}: not-hex: the frame is not hex text")
            rejected += 1
            continue
        message = receiver.feed(adv, now)
        if message is not None:
            print(json.dumps(message.to_dict(), ensure_ascii=False))
            delivered += 1
        elif receiver.reason != "partial":
            print(f"rejected: frame {number}: {receiver.reason}: {REASONS[receiver.reason]}")
            rejected += 1
    if receiver.pending():
        print(f"rejected: incomplete: {receiver.pending()} message(s) still miss fragments")
        rejected += 1
    return 1 if rejected or not delivered else 0
