"""``iotedge alert keygen | sign | verify`` end to end through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from iotedge.cli import main

NOW = "1767225600"


@pytest.fixture(autouse=True)
def _only_alert_command(monkeypatch: pytest.MonkeyPatch) -> None:
    # The real entry point, built with just this command so the test does not
    # depend on the other commands' modules being present.
    monkeypatch.setattr("iotedge.cli.COMMAND_MODULES", ("alert",))


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def _keygen(tmp_path: Path, capsys: pytest.CaptureFixture[str], scheme: str) -> tuple[str, str]:
    key, ring = str(tmp_path / "venue.key"), str(tmp_path / "keyring.txt")
    code, out, _ = _run(
        capsys, "alert", "keygen", "--scheme", scheme, "--key", key, "--keyring", ring
    )
    assert code == 0 and "key ids 1..4" in out
    return key, ring


def _sign(capsys: pytest.CaptureFixture[str], key: str, *extra: str) -> list[str]:
    code, out, _ = _run(capsys, "alert", "sign", "--key", key, "--now", NOW, *extra)
    assert code == 0
    return out.split()


@pytest.mark.parametrize("scheme", ["hmac", "ed25519"])
def test_keygen_sign_verify(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], scheme: str
) -> None:
    key, ring = _keygen(tmp_path, capsys, scheme)
    text = "Evacuate Hall A now, use exit B"
    code, out, _ = _run(
        capsys, "alert", "sign", "--key", key, "--type", "alert", "--text", text, "--now", NOW
    )
    frames = out.split()
    assert code == 0 and len(frames) >= 2
    assert all(len(bytes.fromhex(f)) <= 31 and f.startswith("020106") for f in frames)
    code, out, _ = _run(capsys, "alert", "verify", "--keyring", ring, "--now", NOW, *frames)
    assert code == 0
    message = json.loads(out)
    assert message["type"] == "alert" and message["text"] == text
    assert message["key_id"] == 1 and message["counter"] == 1 and message["ttl"] == 30


def test_verify_names_the_rejection(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key, ring = _keygen(tmp_path, capsys, "hmac")
    (frame,) = _sign(capsys, key, "--type", "led", "--pattern", "blink", "--rgb", "ff8000")
    forged = frame[:-2] + ("00" if frame[-2:] != "00" else "01")
    code, out, _ = _run(capsys, "alert", "verify", "--keyring", ring, "--now", NOW, forged)
    assert code == 1
    assert out.startswith("rejected: frame 1: bad-tag:")
    state = str(tmp_path / "window.bin")
    args = ["alert", "verify", "--keyring", ring, "--state", state, "--now", NOW, frame]
    code, out, _ = _run(capsys, *args)
    assert code == 0 and json.loads(out)["red"] == 255 and json.loads(out)["code"] == 2
    code, out, _ = _run(capsys, *args)  # a new process, same window file: a replay
    assert code == 1 and out.startswith("rejected: frame 1: duplicate:")
    code, out, _ = _run(capsys, "alert", "verify", "--keyring", ring, "--now", NOW, "zz")
    assert code == 1 and "not-hex" in out


def test_missing_fragment_and_expired(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key, ring = _keygen(tmp_path, capsys, "hmac")
    frames = _sign(capsys, key, "--type", "info", "--text", "Lunch in the foyer", "--ttl", "5")
    code, out, _ = _run(capsys, "alert", "verify", "--keyring", ring, "--now", NOW, *frames[1:])
    assert code == 1 and "rejected: incomplete" in out
    late = str(int(NOW) + 6 * 60)
    code, out, _ = _run(capsys, "alert", "verify", "--keyring", ring, "--now", late, *frames)
    assert code == 1 and "expired" in out
    args = ["alert", "verify", "--keyring", ring, "--untrusted-clock", *frames]
    assert _run(capsys, *args)[0] == 0


def test_other_message_types(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key, ring = _keygen(tmp_path, capsys, "hmac")
    cases = [
        [
            "--type",
            "schedule",
            "--scope",
            "2",
            "--now-title",
            "Keynote",
            "--now-speaker",
            "Ada",
            "--now-start",
            "10:30",
            "--next-title",
            "Lunch",
            "--next-start",
            "12:00",
        ],
        ["--type", "time", "--unix", NOW, "--tz-quarters", "4"],
        ["--type", "alert", "--code", "3", "--arg", "B", "--arg", "11:30"],
    ]
    got = []
    for extra in cases:
        code, out, _ = _run(capsys, "alert", "sign", "--key", key, "--now", NOW, *extra)
        assert code == 0
        code, out, _ = _run(
            capsys, "alert", "verify", "--keyring", ring, "--now", NOW, *out.split()
        )
        assert code == 0, out
        got.append(json.loads(out))
    assert got[0]["now_start"] == 630 and got[0]["next_start"] == 720
    assert got[0]["now_speaker"] == "Ada" and got[0]["scope"] == 2
    assert got[1]["unix"] == int(NOW) and got[1]["tz_quarters"] == 4
    assert got[2]["args"] == ["B", "11:30"]


def _verify(capsys: pytest.CaptureFixture[str], ring: str, state: Path, frames: list[str]) -> str:
    argv = ["alert", "verify", "--keyring", ring, "--state", str(state), "--now", NOW]
    return _run(capsys, *argv, *frames)[1]


def test_revocation_needs_a_dedicated_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key, ring = _keygen(tmp_path, capsys, "hmac")
    assert "revoke" not in Path(ring).read_text()  # the default key may not revoke
    # Whoever reads the shared HMAC key out of one badge signs a revoke of the
    # spare ids (the signer itself refuses, so build the frame like an attacker).
    from iotedge.alerts.keys import SigningKey
    from iotedge.alerts.signer import sign_frames
    from iotedge.core.alert_encode import encode_body
    from iotedge.core.alert_messages import TYPE_REVOKE

    stolen = SigningKey.load(key)
    body = encode_body(TYPE_REVOKE, {"key_ids": [2, 3, 4], "issued": 0})
    forged = [f.hex() for f in sign_frames(stolen, 1, 99, TYPE_REVOKE, body)]
    state = tmp_path / "window.bin"
    out = _verify(capsys, ring, state, forged)
    assert "type-not-allowed" in out
    code, _, err = _run(
        capsys, "alert", "sign", "--key", key, "--type", "revoke", "--revoke-id", "2"
    )
    assert code == 2 and "type-not-allowed" in err
    # HMAC revocation authority must be asked for by name.
    other = str(tmp_path / "other.key")
    argv = ["alert", "keygen", "--key", other, "--keyring", ring, "--key-id", "50"]
    code, _, err = _run(capsys, *argv, "--types", "revoke")
    assert code == 2 and "shared-revoke" in err
    code, _, err = _run(capsys, *argv, "--types", "all")
    assert code == 2 and "shared-revoke" in err
    # The dedicated revocation key: Ed25519, revoke only, private half on the back-end.
    rk = str(tmp_path / "revoke.key")
    argv = ["alert", "keygen", "--scheme", "ed25519", "--key", rk, "--keyring", ring]
    code, out, _ = _run(capsys, *argv, "--key-id", "200", "--types", "revoke")
    assert code == 0 and "types revoke" in out
    frames = _sign(capsys, rk, "--type", "revoke", "--revoke-id", "1")
    assert json.loads(_verify(capsys, ring, state, frames))["key_ids"] == [1]
    # It may sign nothing else, and key 1 is now refused by the badge.
    code, _, err = _run(capsys, "alert", "sign", "--key", rk, "--type", "alert", "--text", "x")
    assert code == 2 and "type-not-allowed" in err
    frames = _sign(capsys, key, "--type", "led")
    assert "key-revoked" in _verify(capsys, ring, state, frames)


def test_bad_input_is_a_clean_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key, ring = _keygen(tmp_path, capsys, "hmac")
    code, _, err = _run(capsys, "alert", "sign", "--key", key, "--type", "led", "--rgb", "red")
    assert code == 2 and "bad-field" in err
    code, _, err = _run(capsys, "alert", "keygen", "--key", key, "--keyring", ring)
    assert code == 2 and "key-exists" in err
