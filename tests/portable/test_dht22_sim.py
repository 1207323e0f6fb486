"""Portable tests of the DHT22 waveform simulator (pytest and micropython)."""

import gc

from vectors_dht22 import DATASHEET_MINUS_10_1, VALID

from iotedge.core import dht22, dht22_sim, errors


def test_train_shape_and_nominal_timing():
    segments = dht22_sim.train(DATASHEET_MINUS_10_1)
    assert len(segments) == dht22_sim.TRAIN_SEGMENTS
    assert segments[:3] == [30, 80, 80]
    assert segments[-1] == 50
    lows = [segments[i] for i in range(3, 83, 2)]
    assert lows == [50] * 40
    highs = dht22_sim.high_widths(segments)
    assert len(highs) == 41 and highs[0] == 80
    assert highs[1:] == dht22.bit_widths(DATASHEET_MINUS_10_1)


def test_every_vector_round_trips_through_a_jittered_train():
    for name, frame, temperature, humidity, _ in VALID:
        for seed in (1, 2, 3):
            segments = dht22_sim.train(frame, 20, seed)
            assert dht22.read_pulses(dht22_sim.high_widths(segments)) == (temperature, humidity), (
                name
            )
        gc.collect()


def test_jitter_is_bounded_and_deterministic():
    nominal = dht22_sim.train(DATASHEET_MINUS_10_1)
    noisy = dht22_sim.train(DATASHEET_MINUS_10_1, 20, 7)
    assert noisy == dht22_sim.train(DATASHEET_MINUS_10_1, 20, 7)
    assert noisy != nominal
    assert len(noisy) == len(nominal)
    for i in range(len(nominal)):
        assert -20 <= noisy[i] - nominal[i] <= 20


def test_dropped_edges_are_detected():
    segments = dht22_sim.train(DATASHEET_MINUS_10_1)
    # Miss the low before bit 7 (byte 0 is 0x02: bit 6 is a 1): 70 + 50 + 26 us
    # become one high pulse, too long for any bit.
    merged = dht22_sim.drop_segment(segments, 3 + 2 * 7)
    widths = dht22_sim.high_widths(merged)
    assert len(widths) == 40 and widths[7] == 146
    try:
        dht22.read_pulses(widths)
    except errors.DHTPulseError as exc:
        assert exc.reason == "bad-width"
        assert exc.offset == 7
    else:
        raise AssertionError("merged pulse accepted")
    # Two zeros merged (26 + 50 + 26 = 102 us) look like a long 1: the response
    # pulse then shifts into bit 0 and the checksum catches the misalignment.
    merged = dht22_sim.drop_segment(segments, 3 + 2 * 5)
    try:
        dht22.read_pulses(dht22_sim.high_widths(merged))
    except errors.DHTChecksumError as exc:
        assert exc.reason == "bad-checksum"
    else:
        raise AssertionError("merged zeros accepted")
    # Miss bit 7's high entirely: one pulse short.
    lost = dht22_sim.drop_segment(segments, 4 + 2 * 7)
    try:
        dht22.read_pulses(dht22_sim.high_widths(lost)[1:])
    except errors.DHTPulseError as exc:
        assert exc.reason == "too-few-pulses"
    else:
        raise AssertionError("short train accepted")


def test_truncated_train_is_too_few_pulses():
    segments = dht22_sim.truncate(dht22_sim.train(DATASHEET_MINUS_10_1), 40)
    try:
        dht22.read_pulses(dht22_sim.high_widths(segments))
    except errors.DHTPulseError as exc:
        assert exc.reason == "too-few-pulses"
    else:
        raise AssertionError("truncated train accepted")


def test_alternating_pulses_match_adafruit_layout():
    pulses = dht22_sim.alternating_pulses(dht22_sim.train(DATASHEET_MINUS_10_1))
    assert len(pulses) == 81
    assert pulses[0] == 50 and pulses[80] == 50
    assert [pulses[i] for i in range(1, 81, 2)] == dht22.bit_widths(DATASHEET_MINUS_10_1)
