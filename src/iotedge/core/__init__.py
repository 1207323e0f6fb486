"""The portable core: the same files run on CPython and on MicroPython.

Rules (enforced by tests/test_core_rules.py): no I/O, no clock reads, no printing,
imports only from the allowlist, validation raises subclasses of ValueError from
errors.py. Nothing is imported here so that a board loads only what it uses.
"""
