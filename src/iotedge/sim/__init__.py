"""The virtual venue: rooms, walls, gateways, badges and people on a conference schedule.

CPython only (it feeds the demo, the tests and the presence evaluation; it never
ships to a board). Entry points:

- :data:`iotedge.sim.scenarios.SCENARIOS` and
  :func:`iotedge.sim.scenarios.build_scenario` -> :class:`~iotedge.sim.simulation.Simulation`;
- :meth:`Simulation.run` (stream of :class:`~iotedge.sim.events.Report` and
  :class:`~iotedge.sim.events.Truth` in arrival order), :meth:`Simulation.step` and
  :mod:`iotedge.sim.realtime` for a clock-driven demo;
- :func:`iotedge.sim.export.write_scenario` for the venue/reports/truth files.

The model, its parameters and their sources are in docs/simulator.md.
"""
