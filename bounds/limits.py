"""The default bounds of one run of analysts' code or one render of their template, shared by the script
sandbox (:mod:`engine.sandbox`) and the template sandbox (:mod:`bounds.templates`), and the estimates
of integer arithmetic they apply.

CPython's integers have no size limit, and some operations cost far more than their result's
size suggests: ``pow(b, e, m)`` does about ``bits(e)`` multiplications and divisions of numbers
of ``bits(m)`` bits, so its time grows with ``bits(e) × bits(m)²`` (a 16,000-bit modulus took
8 to 25 s in one C call that no budget check can interrupt). Each guard estimates before the
operation runs and refuses what would pass these limits.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Counted steps of one run (loop passes, calls, attribute and item reads, operators).
OPERATIONS = 100_000
#: Wall-clock seconds of one run.
SECONDS = 2.0
#: Characters or items of one result.
SEQUENCE_LENGTH = 1_000_000
#: Characters or items one run creates in all (sized results; for a template, what it writes too).
ALLOCATION = 20_000_000
#: Bits of one integer result: about 4,200 decimal digits, under the 4,300 Python writes (an
#: integer left in a case's data must be writable, or saving the case fails).
INT_BITS = 14_000
#: ``bits(exponent) × bits(modulus)²`` of one ``pow(b, e, m)``: a 4,096-bit modulus with a
#: 4,096-bit exponent, about a quarter of a second on one core.
MODULAR_WORK = 2**36
#: ``round(x, n)`` for ``|n|`` beyond this computes ``10 ** |n|`` for nothing.
ROUND_DIGITS = 4300

@dataclass(frozen=True)
class Limits:
    """The bounds of one script run or one template render (each default is the constant above)."""

    operations: int = OPERATIONS
    seconds: float = SECONDS
    sequence_length: int = SEQUENCE_LENGTH  # one value: characters or items
    int_bits: int = INT_BITS
    modular_work: int = MODULAR_WORK  # bits(exponent) × bits(modulus)² of one pow(b, e, m)
    allocation: int = ALLOCATION  # characters or items one run creates (a render: and writes) in all


_SMALLEST_MODULUS_BITS = 64  # below a machine word the cost is per step, not per bit


def product_bits(left: int, right: int) -> int:
    """Bits of ``left * right`` (an upper bound)."""
    return left.bit_length() + right.bit_length()


def power_bits(base: int, exponent: int) -> int:
    """Bits of ``base ** exponent`` (an upper bound); 0 when the result is a fraction or at most 1."""
    if exponent <= 0 or abs(base) <= 1:
        return 0
    return base.bit_length() * exponent


def shift_bits(value: int, shift: int) -> int:
    """Bits of ``value << shift`` (an upper bound)."""
    return value.bit_length() + shift if value else 0


def modular_work(exponent: int, modulus: int) -> int:
    """How much ``pow(base, exponent, modulus)`` costs, in the unit of :data:`MODULAR_WORK`."""
    return abs(exponent).bit_length() * max(abs(modulus).bit_length(), _SMALLEST_MODULUS_BITS) ** 2
