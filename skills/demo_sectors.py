"""Former home of :mod:`skills.demo.sectors`, kept so old imports work.

Patch ``skills.demo.sectors`` (where :func:`skills.demo.write_demo` looks the generators
up), not this alias.
"""

from skills.demo.sectors import SECTIONS, sector_occupation_csv, sector_occupation_demo

__all__ = ["SECTIONS", "sector_occupation_csv", "sector_occupation_demo"]
