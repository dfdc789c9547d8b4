"""What the platform withstands: one module per kind of attack, one test per hole an outside
review found, each named after what it attacks (issue #16's list, worst first)."""
