"""Former home of :mod:`skills.demo.competing`, kept so old imports work.

Patch ``skills.demo.competing`` (where :func:`skills.demo.write_demo` looks the generator
up), not this alias.
"""

from skills.demo.competing import competing_graduates_demo

__all__ = ["competing_graduates_demo"]
