"""What keeps analysts' code and templates within bounds; shared by ``engine`` and ``connectors``.

- :mod:`bounds.limits`: the default limits of one run or render (operations, seconds, sizes, how
  big an integer may get and how much work a modular power may cost), the same for scripts and
  templates;
- :mod:`bounds.sizes`: size estimates made *before* an operation that could build a huge result;
- :mod:`bounds.templates`: a Jinja sandbox with those bounds plus an operation budget, a deadline
  and a total of what one render writes (task instructions, certificate templates);
- :mod:`bounds.html`: the allow-list of the HTML analysts may write in instructions.

A leaf: it imports nothing of ours and no Flask.
"""
