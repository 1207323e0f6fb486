"""``iotedge codec``: decode/encode round trips, detection, errors exit 2."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from iotedge.cli import main

BTHOME_IO_ADVERT = "0201060B094449592D73656E736F720A16D2FC4002C40903BF13"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_decode_advert_to_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "codec", "decode", BTHOME_IO_ADVERT)
    doc = json.loads(out)
    assert code == 0 and doc["format"] == "ad" and doc["local_name"] == "DIY-sensor"
    objects = doc["bthome"]["objects"]
    assert [(o["id"], o["raw"], o["value"], o["unit"]) for o in objects] == [
        ("0x02", 2500, 25.0, "°C"),
        ("0x03", 5055, 50.55, "%"),
    ]
    assert "badge" not in doc


def test_bare_service_data_is_detected(capsys: pytest.CaptureFixture[str]) -> None:
    for text in ("40015d02ca0903bf13", "d2fc40015d02ca0903bf13", "40:01:5D:02:CA:09:03:BF:13"):
        code, out, _ = run(capsys, "codec", "decode", text)
        doc = json.loads(out)
        assert code == 0 and doc["format"] == "bthome", text
        assert [o["raw"] for o in doc["objects"]] == [93, 2506, 5055]
    code, out, _ = run(capsys, "codec", "decode", "--as", "bthome", "4000aa")
    assert json.loads(out)["objects"][0]["raw"] == 0xAA


def test_encode_bthome_then_decode(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "codec", "encode", "--format", "bthome", "--temperature", "21.5",
        "--humidity", "40", "--battery", "90", "--packet-id", "3", "--count", "7",
        "--object", "uv_index=5.2", "--object", "0x3A=double_press", "--name", "Lab sensor",
    )  # fmt: skip
    assert code == 0
    advert = out.strip()
    assert len(bytes.fromhex(advert)) <= 31
    code, out, _ = run(capsys, "codec", "decode", advert)
    doc = json.loads(out)
    got = {o["name"]: o["value"] for o in doc["bthome"]["objects"]}
    assert got == {
        "packet_id": 3, "battery": 90, "temperature": 21.5, "humidity": 40.0,
        "count": 7, "button": "double_press", "uv_index": 5.2,
    }  # fmt: skip
    # 26 bytes of objects leave 5 for the name: it is sent shortened (AD type 0x08)
    assert doc["local_name"] == "Lab s" and doc["name_complete"] is False


def test_encode_encrypted_then_decode_with_key(capsys: pytest.CaptureFixture[str]) -> None:
    key, mac = "231d39c1d7cc1ab1aee224cd096db932", "54:48:E6:8F:80:A5"
    args = ["--temperature", "25.06", "--humidity", "50.55", "--key", key, "--mac", mac]
    code, out, _ = run(
        capsys, "codec", "encode", "--format", "bthome", *args, "--counter", "0x33221100",
        "--service-data",
    )  # fmt: skip
    # the bthome.io encryption example, byte for byte
    assert out.strip() == "41a47266c95f730011223378237214"
    code, out, _ = run(capsys, "codec", "decode", out.strip(), "--key", key, "--mac", mac)
    doc = json.loads(out)
    assert code == 0
    assert doc["encrypted"] and doc["counter"] == 0x33221100
    assert [o["value"] for o in doc["objects"]] == [25.06, 50.55]


def test_encode_badge_then_decode(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "codec", "encode", "--format", "badge", "--badge-id", "0x1a2b3c4d",
        "--packet-id", "3", "--battery", "90", "--temperature", "21.5", "--claps", "7",
        "--name", "B3C4D",
    )  # fmt: skip
    assert out.strip() == "0201061416d2fc400003015a0266083d070054044d3c2b1a06094233433444"
    code, out, _ = run(capsys, "codec", "decode", out.strip())
    assert code == 0
    assert json.loads(out)["badge"] == {
        "badge_id": "0x1a2b3c4d", "packet_id": 3, "battery": 90, "temperature_centi": 2150,
        "temperature": 21.5, "claps": 7, "humidity": None, "name": "B3C4D",
    }  # fmt: skip


def test_nodeconf_advert(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "codec", "decode", "02010611FF90057B2274223A32312C2263223A367D")
    assert code == 0
    assert json.loads(out)["nodeconf2018"] == {"kind": "badge", "temperature": 21, "claps": 6}


def test_lenient_reports_where_it_stopped(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "codec", "decode", "40015dfe5d0903b718")
    assert code == 2 and "unknown-object" in err and "byte 3" in err
    code, out, _ = run(capsys, "codec", "decode", "--lenient", "40015dfe5d0903b718")
    doc = json.loads(out)
    assert code == 0 and doc["stopped_at"] == 3 and doc["stop_reason"] == "unknown-object"


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["codec", "decode", "xyz"], "bad-hex"),
        (["codec", "decode", "020106ff"], "overrun"),
        (["codec", "decode", "41a47266c95f730011223378237214"], "no-key"),
        (["codec", "decode", "4002ca09", "--key", "abcd"], "bad-key"),
        (["codec", "encode", "--format", "bthome"], "no-objects"),
        (["codec", "encode", "--format", "bthome", "--battery", "300"], "out-of-range"),
        (["codec", "encode", "--format", "bthome", "--object", "nope=1"], "unknown-object"),
        (["codec", "encode", "--format", "badge", "--battery", "5"], "missing-field"),
        (["codec", "encode", "--format", "bthome", "--temperature", "warm"], "bad-value"),
    ],
)
def test_bad_input_exits_2_with_a_reason(
    capsys: pytest.CaptureFixture[str], argv: list[str], needle: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "" and err.startswith("iotedge: error: ") and needle in err


def test_console_script_round_trip_in_a_subprocess() -> None:
    enc = subprocess.run(
        [sys.executable, "-m", "iotedge", "codec", "encode", "--format", "bthome",
         "--temperature", "-3.5"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    dec = subprocess.run(
        [sys.executable, "-m", "iotedge", "codec", "decode", enc.stdout.strip()],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert json.loads(dec.stdout)["bthome"]["objects"][0]["value"] == -3.5
    bad = subprocess.run(
        [sys.executable, "-m", "iotedge", "codec", "decode", "zz"], capture_output=True, text=True
    )
    assert bad.returncode == 2 and "bad-hex" in bad.stderr


def _doc_sessions() -> list[tuple[str, str]]:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "docs" / "codec.md").read_text()
    sessions = []
    for block in text.split("```console\n")[1:]:
        body = block.split("\n```")[0]
        for chunk in body.split("$ ")[1:]:
            command, _, output = chunk.partition("\n")
            sessions.append((command, output.rstrip("\n")))
    return sessions


def test_docs_codec_md_shows_real_outputs(capsys: pytest.CaptureFixture[str]) -> None:
    import shlex

    sessions = _doc_sessions()
    assert len(sessions) >= 8
    for command, shown in sessions:
        argv = shlex.split(command)
        assert argv[0] == "iotedge"
        code, out, err = run(capsys, *argv[1:])
        status = 0
        if shown.endswith(")") and "(exit status " in shown:
            shown, _, tail = shown.rpartition("\n(exit status ")
            status = int(tail.rstrip(")"))
        assert code == status, command
        if shown.startswith("{"):
            full, part = json.loads(out), json.loads(shown)
            assert {k: full[k] for k in part} == part, command  # the doc shows some keys
        else:
            assert (out + err).rstrip("\n") == shown, command


@pytest.mark.parametrize("action", ["decode", "encode"])
def test_help_pages_render(capsys: pytest.CaptureFixture[str], action: str) -> None:
    with pytest.raises(SystemExit) as info:
        main(["codec", action, "--help"])
    assert info.value.code == 0
    assert "usage: iotedge codec " + action in capsys.readouterr().out
