"""Subcommands of the ``iotedge`` command line, one module each."""
