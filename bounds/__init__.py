"""What keeps analysts' code within bounds; shared by ``engine`` and, later, ``connectors``.

- :mod:`bounds.limits`: the default limits of one run (operations, seconds, sizes, how big an
  integer may get and how much work a modular power may cost);
- :mod:`bounds.sizes`: size estimates made *before* an operation that could build a huge result.

A leaf: it imports nothing of ours and no Flask.
"""
