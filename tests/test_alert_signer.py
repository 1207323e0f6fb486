"""The back-end signer: counters persisted before use, key-id rotation on lost state."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from iotedge.alerts import files
from iotedge.alerts.files import FileWindowStore
from iotedge.alerts.keys import SigningKey
from iotedge.alerts.signer import Signer, initialise_state, state_path_for
from iotedge.core.alert_frame import SCHEME_ED25519, SCHEME_HMAC, FrameHeader
from iotedge.core.alert_keyring import Keyring
from iotedge.core.alert_messages import TYPE_ALERT, TYPE_LED
from iotedge.core.alert_receiver import AlertReceiver
from iotedge.core.errors import KeyringError

NOW = 1767225600.0


def _setup(tmp_path: Path, scheme: int = SCHEME_HMAC, generations: int = 3) -> tuple[Path, Keyring]:
    key = SigningKey.generate(scheme, first_key_id=5, generations=generations)
    path = tmp_path / "venue.key"
    key.save(path)
    initialise_state(key)
    ring = Keyring()
    key.add_to_keyring(ring)
    return path, ring


def _header(frame: bytes) -> FrameHeader:
    return FrameHeader(frame[7:])


def test_counter_is_persisted_before_the_frames_exist(tmp_path: Path) -> None:
    path, ring = _setup(tmp_path)
    signer = Signer.open(path)
    frames = signer.sign(TYPE_LED, {"code": 1}, now=NOW)
    assert (_header(frames[0]).key_id, _header(frames[0]).counter) == (5, 1)
    assert json.loads(state_path_for(path).read_text()) == {"key_id": 5, "next": 2}
    # A new process continues after the last reserved counter.
    again = Signer.open(path).sign(TYPE_LED, {"code": 1}, now=NOW)
    assert _header(again[0]).counter == 2
    receiver = AlertReceiver(ring, clock_trusted=False)
    assert receiver.feed(frames[0], 0) is not None and receiver.feed(again[0], 0) is not None


def test_a_failed_state_write_hands_out_no_frames(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, _ = _setup(tmp_path)
    signer = Signer.open(path)

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("iotedge.alerts.signer.atomic_write", broken)
    with pytest.raises(OSError):
        signer.sign(TYPE_LED, {}, now=NOW)
    monkeypatch.undo()
    # The counter that could not be recorded is not reused either way: the next
    # one comes from the file, which never recorded counter 1 as used, so 1 is
    # still free and is handed out exactly once.
    assert _header(Signer.open(path).sign(TYPE_LED, {}, now=NOW)[0]).counter == 1


def test_lost_state_moves_to_the_next_key_id(tmp_path: Path) -> None:
    path, ring = _setup(tmp_path)
    first = Signer.open(path).sign(TYPE_ALERT, {"text": "one"}, now=NOW)
    state_path_for(path).unlink()
    signer = Signer.open(path)
    assert signer.rotated_from == 5 and signer.key_id == 6
    second = signer.sign(TYPE_ALERT, {"text": "two"}, now=NOW)
    assert (_header(second[0]).key_id, _header(second[0]).counter) == (6, 1)
    assert SigningKey.load(path).active == 6  # recorded in the key file
    receiver = AlertReceiver(ring, clock_trusted=False)
    got = [receiver.feed(f, 0) for f in first + second]
    assert [m.fields["text"] for m in got if m is not None] == ["one", "two"]


def test_corrupt_state_is_state_loss_and_the_last_id_refuses(tmp_path: Path) -> None:
    path, _ = _setup(tmp_path, generations=2)
    state_path_for(path).write_text("{garbage")
    assert Signer.open(path).key_id == 6
    state_path_for(path).unlink()
    with pytest.raises(KeyringError) as info:
        Signer.open(path)
    assert info.value.reason == "no-fresh-key-id"


def test_rotation_recorded_only_in_the_key_file_moves_on_again(tmp_path: Path) -> None:
    path, _ = _setup(tmp_path)
    Signer.open(path).sign(TYPE_LED, {}, now=NOW)
    key = SigningKey.load(path)
    key.active = 6
    key.save()  # the key file says 6, the state still says 5: they disagree
    signer = Signer.open(path)
    # Which of the two is stale is unknowable, so neither 5 nor 6 is used again.
    assert (signer.key_id, signer.next_counter, signer.rotated_from) == (7, 1, 5)
    assert json.loads(state_path_for(path).read_text()) == {"key_id": 7, "next": 1}
    assert SigningKey.load(path).active == 7


def _pairs(frames: list[bytes]) -> tuple[int, int]:
    return (_header(frames[0]).key_id, _header(frames[0]).counter)


def test_key_file_restored_from_a_backup_never_reuses_counters(tmp_path: Path) -> None:
    path, ring = _setup(tmp_path, generations=4)  # ids 5..8
    backup = path.read_bytes()  # the master secret is backed up with active = 5
    heard = [Signer.open(path).sign(TYPE_LED, {}, now=NOW) for _ in range(2)]
    state_path_for(path).unlink()  # state lost: moves to 6 and records it
    for _ in range(3):
        heard.append(Signer.open(path).sign(TYPE_LED, {}, now=NOW))
    used = [_pairs(frames) for frames in heard]
    assert used == [(5, 1), (5, 2), (6, 1), (6, 2), (6, 3)]
    path.write_bytes(backup)  # the key file comes back from the backup: active = 5
    signer = Signer.open(path)
    assert (signer.key_id, signer.rotated_from) == (7, 6)
    assert SigningKey.load(path).active == 7
    frames = signer.sign(TYPE_ALERT, {"text": "after restore"}, now=NOW)
    assert _pairs(frames) == (7, 1) and _pairs(frames) not in used
    # A badge that heard every earlier frame still takes the new one.
    receiver = AlertReceiver(ring, clock_trusted=False)
    assert all(receiver.feed(frames[0], 0) is not None for frames in heard)
    got = [receiver.feed(f, 0) for f in frames]
    assert [m.fields["text"] for m in got if m is not None] == ["after restore"]


def test_crash_between_the_two_writes_of_a_move_costs_an_id_not_a_counter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, _ = _setup(tmp_path, generations=4)
    Signer.open(path).sign(TYPE_LED, {}, now=NOW)
    state_path_for(path).unlink()

    def crash(self: SigningKey, target: object = None) -> None:
        raise OSError("power lost")

    monkeypatch.setattr(SigningKey, "save", crash)
    with pytest.raises(OSError):
        Signer.open(path)  # state now says 6, the key file still says 5
    monkeypatch.undo()
    assert json.loads(state_path_for(path).read_text()) == {"key_id": 6, "next": 1}
    signer = Signer.open(path)
    assert (signer.key_id, signer.next_counter) == (7, 1)


def test_explicit_rotate(tmp_path: Path) -> None:
    path, _ = _setup(tmp_path)
    assert Signer.open(path, rotate=True).key_id == 6


def test_key_file_is_private_and_state_never_reset(tmp_path: Path) -> None:
    path, _ = _setup(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(KeyringError):
        initialise_state(SigningKey.load(path))


def test_ed25519_signer(tmp_path: Path) -> None:
    path, ring = _setup(tmp_path, scheme=SCHEME_ED25519)
    frames = Signer.open(path).sign(TYPE_ALERT, {"text": "Evacuate"}, now=NOW)
    receiver = AlertReceiver(ring, clock_trusted=False)
    got = [m for m in (receiver.feed(f, 0) for f in frames) if m is not None]
    assert [m.fields["text"] for m in got] == ["Evacuate"]
    entry = ring.get(5)
    assert entry is not None and entry.material != SigningKey.load(path).secret(5)


def test_atomic_write_and_window_store(tmp_path: Path) -> None:
    target = tmp_path / "window.bin"
    store = FileWindowStore(target)
    assert store.load() is None
    store.save(bytearray(b"AW\x01"))
    files.atomic_write(target, b"AW\x01\x01\x00\x07\x00\x00\x00")
    assert store.load() == b"AW\x01\x01\x00\x07\x00\x00\x00"
    assert not (tmp_path / "window.bin.tmp").exists()
