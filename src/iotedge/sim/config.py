"""Every knob of the virtual venue, in one flat, frozen dataclass.

Flat on purpose: ``build_scenario("small", 1, duration=600, fading_db=0.0)`` can
override any of them by name, and ``docs/simulator.md`` lists them in the same
order with their values and where each value comes from.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from iotedge.core.errors import SimulationError

BURST = "burst"
CONTINUOUS = "continuous"


@dataclass(frozen=True)
class SimConfig:
    """Parameters of one simulated event. Units: seconds, metres, dB, dBm."""

    # -- the event ---------------------------------------------------------
    duration: int = 3 * 3600
    badges: int = 300
    gateways: int = 20  # the first N placements of the venue (see venues.py)
    # -- advertising -------------------------------------------------------
    mode: str = BURST
    burst_period: float = 60.0  # a burst starts every minute ...
    burst_length: float = 3.0  # ... and lasts 3 s
    adv_interval: float = 0.31875  # 318.75 ms between adverts inside a burst (~9-10 per burst)
    continuous_interval: float = 1.0  # 1 Hz in continuous mode
    adv_delay_max: float = 0.010  # BLE advDelay: 0-10 ms random per advertising event
    clock_drift_ppm: float = 200.0  # each badge's timer runs fast/slow by up to this
    # -- radio: mean received power ---------------------------------------
    tx_1m_dbm: tuple[float, float] = (-65.0, -59.0)  # per-badge RSSI at 1 m, uniform
    pl_exponent: float = 2.1  # log-distance path-loss exponent n
    pl_exponent_spread: float = 0.1  # per-gateway std of n (clamped to +-2.5 std)
    gateway_offset_db: float = 2.0  # per-gateway receive-gain std (clamped to +-2.5 std)
    wall_scale: float = 1.0  # multiplies every wall's loss
    shadowing_db: float = 5.0  # log-normal shadowing std
    shadowing_corr_m: float = 4.0  # decorrelation distance (correlation e^-1)
    shadowing_grid_m: float = 1.0  # spacing of each gateway's correlated grid
    badge_height: float = 1.3  # lanyard badge at chest height
    # -- radio: people -------------------------------------------------------
    body_loss_db: tuple[float, float] = (5.0, 15.0)  # per-wearer, when the body blocks
    facing_jitter_deg: float = 30.0  # each burst the wearer faces nominal +- N(0, this)
    head_height: float = 1.7  # crowd blocks paths below this height
    crowd_body_db: float = 4.0  # loss per body crossed
    crowd_body_width: float = 0.45  # metres of path one body blocks
    crowd_cap_db: float = 25.0  # crowd loss saturates here (diffraction over heads)
    low_clutter_below_m: float = 1.0  # gateways lower than this also see chairs/tables ...
    low_clutter_factor: float = 1.5  # ... which multiply their crowd exposure
    # -- radio: per advert ---------------------------------------------------
    fading_db: float = 4.0  # per-advert fading std (Gaussian in dB)
    packet_loss: tuple[float, float] = (0.10, 0.40)  # per-gateway loss probability, uniform
    sensitivity_dbm: tuple[float, float] = (-100.0, -95.0)  # per-gateway floor, uniform
    rssi_clamp: tuple[int, int] = (-110, -20)  # what a receiver can report
    # -- gateways ------------------------------------------------------------
    low_gateway_fraction: float = 0.0  # this fraction of gateways is moved down to ...
    low_gateway_z: float = 0.5  # ... this height (on a table, behind chairs)
    clock_offset_s: float = 0.02  # per-gateway NTP offset, uniform +-
    outages_per_hour: float = 0.1  # random reboots per gateway-hour
    outage_length_s: tuple[float, float] = (60.0, 300.0)
    # One gateway that fails for a long stretch: its index (-1: none) and the failure
    # window as fractions of the duration, so it scales with a duration override.
    failed_gateway: int = -1
    failure_window: tuple[float, float] = (0.22, 0.72)
    # Further outages in absolute time: (gateway index, start s, end s).
    forced_outages: tuple[tuple[int, float, float], ...] = ()
    # -- transport -----------------------------------------------------------
    batch_interval_s: float = 0.5  # gateways publish their reports in batches
    latency_s: float = 0.08  # median network latency (log-normal, sigma 0.6)
    stall_p: float = 0.01  # a batch stuck behind a retransmit ...
    max_delay_s: float = 3.0  # ... never arrives later than this after the advert
    duplicate_p: float = 0.01  # QoS 1 redelivery: the same report twice
    # -- people --------------------------------------------------------------
    schedule_scale: float = 1.0  # multiplies every programme slot length
    walk_speed: tuple[float, float] = (0.9, 1.4)  # m/s per person
    p_no_show: float = 0.02
    p_late: float = 0.10  # arrives after the keynote started
    p_skip_talk: float = 0.08  # stays in the foyer during a talk slot
    p_mid_talk_exit: float = 0.05  # steps out of a talk for a few minutes
    p_stay_seated: float = 0.3  # stays seated through a break when the next talk is in the room
    p_step_out: float = 0.10  # leaves the venue during a break and comes back
    p_leave_for_good: float = 0.03  # leaves for good at a break
    p_lunch_out: float = 0.5  # leaves the venue for lunch
    main_hall_share: float = 0.40  # share of a talk slot's audience in the main hall
    # -- badge payload ---------------------------------------------------------
    battery_start: tuple[float, float] = (60.0, 100.0)  # percent
    battery_drain_per_advert: float = 0.0004  # percent
    body_heat_c: tuple[float, float] = (1.0, 3.0)  # a worn badge reads warmer than the room

    def replace(self, **overrides: Any) -> SimConfig:
        """A copy with ``overrides`` applied and checked."""
        names = {f.name for f in dataclasses.fields(self)}
        for key in sorted(overrides):
            if key not in names:
                raise SimulationError("unknown-parameter", f"no simulator parameter {key!r}")
        new = dataclasses.replace(self, **overrides)
        new.validate()
        return new

    def validate(self) -> None:
        """Raise :class:`SimulationError` for a value outside its meaningful range."""
        _check(1 <= self.duration <= 7 * 86400, "duration", self.duration)
        _check(1 <= self.badges <= 100_000, "badges", self.badges)
        _check(1 <= self.gateways, "gateways", self.gateways)
        _check(self.mode in (BURST, CONTINUOUS), "mode", self.mode)
        _check(self.burst_period > self.burst_length > 0, "burst_length", self.burst_length)
        _check(0.02 <= self.adv_interval <= self.burst_length, "adv_interval", self.adv_interval)
        _check(0.1 <= self.continuous_interval, "continuous_interval", self.continuous_interval)
        _check(0 <= self.adv_delay_max <= 0.1, "adv_delay_max", self.adv_delay_max)
        _check(_ordered(self.tx_1m_dbm), "tx_1m_dbm", self.tx_1m_dbm)
        _check(1.0 <= self.pl_exponent <= 6.0, "pl_exponent", self.pl_exponent)
        for name in ("pl_exponent_spread", "gateway_offset_db", "shadowing_db", "fading_db"):
            _check(0 <= getattr(self, name) <= 20, name, getattr(self, name))
        _check(0 <= self.wall_scale <= 5, "wall_scale", self.wall_scale)
        _check(self.shadowing_corr_m > 0, "shadowing_corr_m", self.shadowing_corr_m)
        _check(0.1 <= self.shadowing_grid_m <= 10, "shadowing_grid_m", self.shadowing_grid_m)
        _check(_ordered(self.body_loss_db, 0, 40), "body_loss_db", self.body_loss_db)
        _check(0 <= self.facing_jitter_deg <= 180, "facing_jitter_deg", self.facing_jitter_deg)
        _check(_ordered(self.packet_loss, 0, 0.99), "packet_loss", self.packet_loss)
        _check(_ordered(self.sensitivity_dbm, -200, -20), "sensitivity_dbm", self.sensitivity_dbm)
        _check(_ordered(self.rssi_clamp, -200, 20), "rssi_clamp", self.rssi_clamp)
        low = self.low_gateway_fraction
        _check(0 <= low <= 1, "low_gateway_fraction", low)
        _check(self.crowd_cap_db >= 0 and self.crowd_body_db >= 0, "crowd", self.crowd_cap_db)
        _check(0 <= self.max_delay_s <= 60, "max_delay_s", self.max_delay_s)
        batch = self.batch_interval_s
        _check(0 <= batch <= self.max_delay_s, "batch_interval_s", batch)
        _check(0 <= self.latency_s <= self.max_delay_s, "latency_s", self.latency_s)
        _check(_ordered(self.walk_speed, 0.2, 1.5), "walk_speed", self.walk_speed)
        _check(0.01 <= self.schedule_scale <= 10, "schedule_scale", self.schedule_scale)
        _check(_ordered(self.outage_length_s, 1, 1e6), "outage_length_s", self.outage_length_s)
        for name in (
            "stall_p",
            "duplicate_p",
            "p_no_show",
            "p_late",
            "p_skip_talk",
            "p_mid_talk_exit",
            "p_stay_seated",
            "p_step_out",
            "p_leave_for_good",
            "p_lunch_out",
            "main_hall_share",
        ):
            _check(0 <= getattr(self, name) <= 1, name, getattr(self, name))
        _check(self.outages_per_hour >= 0, "outages_per_hour", self.outages_per_hour)
        _check(_ordered(self.failure_window, 0.0, 1.0), "failure_window", self.failure_window)
        for gw, start, end in self.forced_outages:
            _check(start < end and math.isfinite(end), "forced_outages", (gw, start, end))

    @property
    def event_period(self) -> float:
        """Seconds between the starts of two advertising bursts of one badge."""
        return self.continuous_interval if self.mode == CONTINUOUS else self.burst_period


def _ordered(pair: tuple[float, float], lo: float = -math.inf, hi: float = math.inf) -> bool:
    return len(pair) == 2 and lo <= pair[0] <= pair[1] <= hi


def _check(ok: bool, name: str, value: object) -> None:
    if not ok:
        raise SimulationError("bad-parameter", f"{name}={value!r} is out of range")
