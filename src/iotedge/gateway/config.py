"""Gateway configuration: one TOML file, command-line flags on top of it.

Every app reads the same file; each uses its own section. All keys are optional; the
defaults below are what an app uses without a file. docs/gateway.md lists every key.

    [gateway]   id, prefix, state_dir, log_level
    [mqtt]      url, protocol, client_id, keepalive, outbox_sync, redeliver_window
    [radio]     kind ("bleak" | "bumble:<transport>" | "virtual"), adapter, mode, address,
                interval_ms, slot, virtual_scenario, virtual_seed, virtual_speed,
                virtual_badges
    [badge]     shards, batch_items, batch_delay, key_file, rotation_hours,
                rotation_offset_hours, bthome_keys
    [relay]     enabled, default_ttl, max_ttl, gatt, company
    [presence]  venue, shard, shards, aggregate, hold, tick, publish_interval,
                forget_after, discovery, bthome_entities, clock, estimator (a table:
                ``[presence.estimator]`` settings of the estimator, e.g. temper = 0.6)
    [sensor]    kind ("sim" | "dht22"), pin, name, interval, room, topic_prefix, formats,
                sim_temperature, sim_humidity

Unknown sections or keys and values of the wrong type raise
:class:`~iotedge.core.errors.ConfigError` naming the setting, so a typo never silently
falls back to a default. Relative paths in the file (``state_dir``, ``venue``) are
relative to the file's folder; ``key_file`` is relative to ``state_dir``.
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iotedge.core.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 reads TOML with the tomli backport
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]


@dataclass
class MqttConfig:
    url: str = "mqtt://127.0.0.1:1883"
    protocol: str = "5"  # "5" or "3.1.1" (amqtt and old brokers)
    client_id: str = ""  # default iotedge-<app id>
    keepalive: int = 30
    outbox_sync: str = "full"  # "full": survives power loss; "normal": process crash only
    redeliver_window: float = 10.0  # seconds of acknowledged messages resent after a loss


@dataclass
class RadioConfig:
    kind: str = "bleak"  # bleak | bumble:<transport> | virtual
    adapter: str = "hci0"  # bleak / BlueZ adapter
    mode: str = "auto"  # bleak scanning: auto | passive | active
    address: str = ""  # bumble device address (random static); default derived from id
    interval_ms: float = 100.0  # advertising interval of the relay
    slot: float = 1.0  # seconds each relayed frame stays on air before the next
    virtual_scenario: str = "small"  # --radio virtual: the simulated venue it hears
    virtual_seed: int = 1
    virtual_speed: float = 1.0
    virtual_badges: int = 0  # 0 = the scenario's default


@dataclass
class BadgeConfig:
    shards: int = 1
    batch_items: int = 500
    batch_delay: float = 0.25
    key_file: str = "pseudonym.key"
    rotation_hours: float = 24.0
    rotation_offset_hours: float = 4.0  # epochs start at 04:00 UTC: venues are closed
    bthome_keys: dict[str, str] = field(default_factory=dict)  # address -> hex key


@dataclass
class RelayConfig:
    enabled: bool = False  # also run the alert relay inside `iotedge gateway badge`
    default_ttl: float = 600.0  # seconds, for frames whose body says ttl 0 (no expiry)
    max_ttl: float = 3600.0  # never broadcast one message longer than this
    gatt: bool = False  # serve the relayed frames and status over GATT (bless, BlueZ)
    company: int = 0xFFFF


@dataclass
class PresenceConfig:
    venue: str = ""  # venue JSON (docs/presence.md); required by the presence app
    shard: int = 0
    shards: int = 1
    aggregate: str = "auto"  # "auto" (shard 0 does), "yes", "no"
    hold: float = 3.0  # seconds reports may arrive late; the estimator runs this far behind
    tick: float = 1.0  # seconds between estimator steps
    publish_interval: float = 5.0  # seconds between occupancy publications
    forget_after: float = 900.0
    discovery: bool = True  # Home Assistant discovery for room occupancy and BTHome sensors
    bthome_entities: bool = True  # per-device state of the BTHome sensors in this shard
    clock: str = "wall"  # "wall" (this host's clock) or "reports" (event time, see docs)
    # settings of the estimator (iotedge.presence.methods), e.g. {"temper": 0.6}
    estimator: dict[str, Any] = field(default_factory=dict)


@dataclass
class SensorConfig:
    kind: str = "sim"  # sim | dht22
    pin: str = "D4"  # board pin name (adafruit-blinka) for dht22
    name: str = "dht22"
    interval: float = 5.0
    room: str = ""
    topic_prefix: str = ""  # default <prefix>/sensor/<id>; "pico" = the sensor node's topics
    formats: list[str] = field(default_factory=lambda: ["batch", "text"])
    sim_temperature: float = 21.5
    sim_humidity: float = 45.0


@dataclass
class GatewayConfig:
    id: str = "gw-01"
    prefix: str = "iotedge"
    state_dir: str = "."
    log_level: str = "INFO"
    mqtt: MqttConfig = field(default_factory=MqttConfig)
    radio: RadioConfig = field(default_factory=RadioConfig)
    badge: BadgeConfig = field(default_factory=BadgeConfig)
    relay: RelayConfig = field(default_factory=RelayConfig)
    presence: PresenceConfig = field(default_factory=PresenceConfig)
    sensor: SensorConfig = field(default_factory=SensorConfig)

    def state_path(self, name: str) -> Path:
        """``name`` inside ``state_dir`` (unless absolute)."""
        path = Path(name)
        return path if path.is_absolute() else Path(self.state_dir) / path


SECTIONS = ("mqtt", "radio", "badge", "relay", "presence", "sensor")


def _check(owner: Any, key: str, value: Any, where: str) -> Any:
    """``value`` converted to the type of ``owner.key``, or ConfigError."""
    if where == "presence.estimator":  # a table of the estimator's own typed settings
        return _estimator_settings(value)
    current = getattr(owner, key)
    if isinstance(current, bool):
        ok = isinstance(value, bool)
    elif isinstance(current, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(current, float):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        value = float(value) if ok else value
    elif isinstance(current, str):
        ok = isinstance(value, str)
    elif isinstance(current, dict):
        ok = isinstance(value, dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        )
    elif isinstance(current, list):
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
    else:  # pragma: no cover - every field has one of the types above
        ok = False
    if not ok:
        raise ConfigError(
            "bad-type", f"{where} must be {type(current).__name__}, not {type(value).__name__}"
        )
    return value


def _apply(owner: Any, table: dict[str, Any], section: str) -> None:
    names = {f.name for f in dataclasses.fields(owner)}
    for key, value in table.items():
        where = f"{section}.{key}" if section else key
        if key not in names or (not section and key in SECTIONS):
            raise ConfigError("unknown-key", f"no setting {where!r}")
        setattr(owner, key, _check(owner, key, value, where))


def _estimator_settings(value: Any) -> dict[str, Any]:
    """The ``[presence.estimator]`` table, each key a typed estimator setting."""
    from iotedge.core.errors import PresenceError
    from iotedge.presence.methods import OURS, check_settings

    if not isinstance(value, dict):
        raise ConfigError("bad-type", "[presence.estimator] must be a table")
    if "forget_after" in value:
        # the service has its own key for it; two places would silently disagree
        raise ConfigError("unknown-key", "set presence.forget_after, not presence.estimator's")
    try:
        return check_settings(OURS, value)
    except PresenceError as exc:
        raise ConfigError("bad-value", f"presence.estimator: {exc.detail}") from None


def from_dict(doc: dict[str, Any], base: Path | None = None) -> GatewayConfig:
    """A config from a parsed TOML document; paths are made relative to ``base``."""
    cfg = GatewayConfig()
    for name, table in doc.items():
        if name == "gateway":
            if not isinstance(table, dict):
                raise ConfigError("bad-type", "[gateway] must be a table")
            _apply(cfg, table, "")
        elif name in SECTIONS:
            if not isinstance(table, dict):
                raise ConfigError("bad-type", f"[{name}] must be a table")
            _apply(getattr(cfg, name), table, name)
        else:
            raise ConfigError("unknown-key", f"no section [{name}]")
    if base is not None:
        if not Path(cfg.state_dir).is_absolute():
            cfg.state_dir = str(base / cfg.state_dir)
        if cfg.presence.venue and not Path(cfg.presence.venue).is_absolute():
            cfg.presence.venue = str(base / cfg.presence.venue)
    validate(cfg)
    return cfg


def load_config(path: str | Path | None) -> GatewayConfig:
    """Read a TOML file (None: all defaults)."""
    if path is None:
        cfg = GatewayConfig()
        validate(cfg)
        return cfg
    path = Path(path)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError("missing", f"cannot read {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("bad-toml", f"{path}: {exc}") from None
    return from_dict(doc, path.parent)


def override(cfg: GatewayConfig, setting: str, value: Any) -> None:
    """Set ``section.key`` (or a ``[gateway]`` key) from a command-line flag, checked."""
    if value is None:
        return
    section, _, key = setting.rpartition(".")
    owner = getattr(cfg, section) if section else cfg
    if key not in {f.name for f in dataclasses.fields(owner)}:
        raise ConfigError("unknown-key", f"no setting {setting!r}")
    setattr(owner, key, _check(owner, key, value, setting))


def validate(cfg: GatewayConfig) -> None:
    """Ranges and choices that types alone do not catch."""

    def bad(where: str, what: str) -> ConfigError:
        return ConfigError("bad-value", f"{where} {what}")

    if not cfg.id or "/" in cfg.id or "+" in cfg.id or "#" in cfg.id:
        raise bad("gateway.id", "must be non-empty without '/', '+' or '#'")
    if not cfg.prefix or cfg.prefix.endswith("/"):
        raise bad("gateway.prefix", "must be non-empty and not end with '/'")
    if cfg.mqtt.protocol not in ("5", "3.1.1"):
        raise bad("mqtt.protocol", "must be '5' or '3.1.1'")
    if cfg.mqtt.outbox_sync not in ("full", "normal"):
        raise bad("mqtt.outbox_sync", "must be 'full' or 'normal'")
    if cfg.mqtt.redeliver_window < 0:
        raise bad("mqtt.redeliver_window", "must be >= 0 seconds")
    kind = cfg.radio.kind
    if kind not in ("bleak", "virtual") and not (kind.startswith("bumble:") and kind[7:]):
        raise bad("radio.kind", "must be bleak, bumble:<transport> or virtual")
    if cfg.radio.mode not in ("auto", "passive", "active"):
        raise bad("radio.mode", "must be auto, passive or active")
    if cfg.radio.virtual_speed <= 0 or cfg.radio.slot <= 0 or cfg.radio.interval_ms <= 0:
        raise bad("radio", "virtual_speed, slot and interval_ms must be > 0")
    b = cfg.badge
    if not 1 <= b.shards <= 1024 or b.batch_items < 1 or b.batch_delay <= 0:
        raise bad("badge", "shards 1..1024, batch_items >= 1 and batch_delay > 0")
    if b.rotation_hours <= 0:
        raise bad("badge.rotation_hours", "must be > 0")
    for address, key in b.bthome_keys.items():
        try:
            if len(bytes.fromhex(key)) != 16:
                raise ValueError
        except ValueError:
            raise bad(f"badge.bthome_keys.{address}", "must be 32 hex digits") from None
    r = cfg.relay
    if r.default_ttl <= 0 or r.max_ttl <= 0 or not 0 <= r.company <= 0xFFFF:
        raise bad("relay", "default_ttl and max_ttl > 0, company 0..0xFFFF")
    p = cfg.presence
    if not 1 <= p.shards <= 1024 or not 0 <= p.shard < p.shards:
        raise bad("presence", "needs 0 <= shard < shards <= 1024")
    if p.aggregate not in ("auto", "yes", "no"):
        raise bad("presence.aggregate", "must be auto, yes or no")
    if p.clock not in ("wall", "reports"):
        raise bad("presence.clock", "must be wall or reports")
    if p.hold < 0 or p.tick <= 0 or p.publish_interval <= 0 or p.forget_after <= 0:
        raise bad("presence", "hold >= 0; tick, publish_interval, forget_after > 0")
    if p.estimator:
        _check_estimator_ranges(p.estimator)
    s = cfg.sensor
    if s.kind not in ("sim", "dht22"):
        raise bad("sensor.kind", "must be sim or dht22")
    if s.interval < 2.0:
        raise bad("sensor.interval", "must be >= 2 s (the DHT22's minimum)")
    if not s.formats or any(f not in ("batch", "text", "json") for f in s.formats):
        raise bad("sensor.formats", "is a non-empty list of batch, text, json")


def _check_estimator_ranges(settings: dict[str, Any]) -> None:
    """Build the estimator once on a one-room venue so that an out-of-range setting
    fails when the file is read, not when the presence app starts."""
    from iotedge.core.errors import PresenceError
    from iotedge.core.presence_estimator import PresenceEstimator
    from iotedge.core.presence_venue import Venue

    venue = Venue({"rooms": ["r"], "gateways": {"g": {"room": "r"}}})
    try:
        PresenceEstimator(venue, **settings)
    except PresenceError as exc:
        raise ConfigError("bad-value", f"presence.estimator: {exc.detail}") from None
