"""Subscription handlers that run on the app's event loop and never let bad input out.

paho calls handlers on its network thread; the apps' state lives on their asyncio loop.
:func:`on_loop` hops to the loop (like :func:`iotedge.adapters.mqtt.loop_handler`) *and*
keeps the link's promise there: a handler raising an
:class:`~iotedge.core.errors.IotEdgeError` (a malformed payload) is logged and counted
in the link's ``stats.malformed``, any other exception logged with its traceback and
counted in ``stats.handler_errors``; the next message is handled normally.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from iotedge.adapters.mqtt import LinkStats
from iotedge.core.errors import IotEdgeError

log = logging.getLogger(__name__)

Handler = Callable[[str, bytes], None]


def guarded(handler: Handler, stats: LinkStats) -> Handler:
    """``handler`` with malformed input logged, counted and skipped."""

    def run(topic: str, payload: bytes) -> None:
        try:
            handler(topic, payload)
        except IotEdgeError as exc:
            stats.malformed += 1
            log.warning("skipped malformed message on %s: %s", topic, exc)
        except Exception:
            stats.handler_errors += 1
            log.exception("handler for %s failed; message skipped", topic)

    return run


def on_loop(loop: asyncio.AbstractEventLoop, handler: Handler, stats: LinkStats) -> Handler:
    """Run ``guarded(handler)`` on ``loop`` for each message (thread-safe)."""
    run = guarded(handler, stats)

    def handle(topic: str, payload: bytes) -> None:
        loop.call_soon_threadsafe(run, topic, payload)

    return handle
