"""Portable tests of the DHT22 read policy (time is passed in; pytest and micropython)."""

from iotedge.core import dht22_policy, errors


class Script:
    """A raw read that replays a script of readings and errors."""

    def __init__(self, items):
        self.items = list(items)
        self.calls = 0

    def __call__(self):
        self.calls += 1
        item = self.items.pop(0)
        if isinstance(item, Exception):
            raise item
        return item


class Clock:
    def __init__(self):
        self.now = 0
        self.slept = []

    def ms(self):
        return self.now

    def sleep(self, ms):
        self.slept.append(ms)
        self.now += ms


def _checksum():
    return errors.DHTChecksumError("bad-checksum", "x", 4)


def test_min_interval_is_enforced():
    policy = dht22_policy.ReadPolicy(max_age_ms=0)
    assert policy.wait_ms(0) == 0
    policy.start(1000)
    assert policy.wait_ms(1000) == 2000
    assert policy.wait_ms(2999) == 1
    try:
        policy.start(2999)
    except errors.DHTTooSoonError as exc:
        assert exc.reason == "too-soon"
        assert "1 ms" in str(exc)
    else:
        raise AssertionError("read within 2 s allowed")
    policy.start(3000)


def test_first_read_is_the_previous_measurement_and_is_discarded():
    clock = Clock()
    raw = Script([(100, 500), (215, 456)])
    policy = dht22_policy.ReadPolicy()
    assert dht22_policy.read(policy, raw, clock.ms, clock.sleep) == (215, 456)
    assert raw.calls == 2 and clock.slept == [2000]
    assert policy.discarded == 1 and policy.reads == 1


def test_reads_after_a_long_idle_time_are_primed_again():
    clock = Clock()
    raw = Script([(1, 1), (2, 2), (3, 3), (4, 4), (5, 5)])
    policy = dht22_policy.ReadPolicy(max_age_ms=10000)
    assert dht22_policy.read(policy, raw, clock.ms, clock.sleep) == (2, 2)
    clock.now += 5000  # within max age: one read
    assert dht22_policy.read(policy, raw, clock.ms, clock.sleep) == (3, 3)
    clock.now += 60000  # measurement a minute old: read twice
    assert dht22_policy.read(policy, raw, clock.ms, clock.sleep) == (5, 5)
    assert policy.discarded == 2


def test_retries_with_backoff_then_success():
    clock = Clock()
    raw = Script([_checksum(), _checksum(), (215, 456)])
    policy = dht22_policy.ReadPolicy(retries=2, max_age_ms=0)
    assert dht22_policy.read(policy, raw, clock.ms, clock.sleep) == (215, 456)
    assert clock.slept == [2000, 4000]
    assert policy.errors == 2


def test_error_raised_when_retries_run_out():
    clock = Clock()
    raw = Script([_checksum(), _checksum(), _checksum(), (1, 1)])
    policy = dht22_policy.ReadPolicy(retries=2, max_age_ms=0)
    try:
        dht22_policy.read(policy, raw, clock.ms, clock.sleep)
    except errors.DHTChecksumError as exc:
        assert exc.reason == "bad-checksum"
    else:
        raise AssertionError("no error after retries")
    assert raw.calls == 3 and clock.slept == [2000, 4000]
    # The next read starts a fresh retry budget and still respects the interval.
    assert policy.wait_ms(clock.now) == 2000


def test_backoff_caps():
    backoff = dht22_policy.Backoff(500, 3000)
    assert [backoff.next_ms() for _ in range(5)] == [500, 1000, 2000, 3000, 3000]
    backoff.reset()
    assert backoff.next_ms() == 500
    try:
        dht22_policy.Backoff(0, 10)
    except errors.IotEdgeError as exc:
        assert exc.reason == "bad-backoff"
    else:
        raise AssertionError("bad backoff accepted")


def test_step_is_non_blocking():
    raw = Script([(7, 8)])
    policy = dht22_policy.ReadPolicy(max_age_ms=0)
    policy.start(0)
    assert policy.step(raw, 1000) is None and raw.calls == 0
    assert policy.step(raw, 2000) == (7, 8)


def test_wrapping_ticks():
    period = 1 << 30

    def diff(a, b):
        return ((a - b + period // 2) & (period - 1)) - period // 2

    policy = dht22_policy.ReadPolicy(max_age_ms=0, ticks_diff=diff)
    policy.start(period - 500)
    assert policy.wait_ms(1000) == 500
    assert policy.wait_ms(1500) == 0


def test_bad_policy():
    try:
        dht22_policy.ReadPolicy(min_interval_ms=2000, max_age_ms=1000)
    except errors.IotEdgeError as exc:
        assert exc.reason == "bad-policy"
    else:
        raise AssertionError("bad policy accepted")
