"""Logging that a flood cannot drown: the first few of each kind, then one in many.

A gateway can hear thousands of malformed adverts a second (a broken badge, a fuzzer
nearby); each must be counted and skipped, but logging each would fill the disk.
"""

from __future__ import annotations

import logging


class LogThrottle:
    """``warn(reason, msg, *args)`` logs the first ``first`` occurrences of each reason,
    then every ``every``-th, with the running count."""

    def __init__(self, logger: logging.Logger, first: int = 5, every: int = 1000) -> None:
        self.logger = logger
        self.first = first
        self.every = every
        self.counts: dict[str, int] = {}

    def warn(self, reason: str, msg: str, *args: object) -> None:
        n = self.counts.get(reason, 0) + 1
        self.counts[reason] = n
        if n <= self.first or n % self.every == 0:
            self.logger.warning(msg + " [%s #%d]", *args, reason, n)
