r"""Period labels to numbers: an ordinal for lags and a time trend in years.

The parser lives in :mod:`skills.periods` (one place for every period label); this module
keeps the models' import path.

Accepted labels (one frequency per column): annual ``2019``; quarterly ``2019-Q3`` or
``2019Q3``; monthly ``2019-07`` or ``2019M07``; integer years. For a period with ordinal
:math:`o` in a frequency with :math:`f` periods a year,

.. math:: \text{years}(o) = \lfloor o / f \rfloor + (o \bmod f)/f,
          \qquad \text{trend} = \text{years} - \min(\text{years}),

so ``2019-Q3`` is 2019.5 and the trend counts years since the first period, with quarters
and months as fractions.
"""

from __future__ import annotations

from skills.periods import period_ordinal

__all__ = ["period_ordinal"]
