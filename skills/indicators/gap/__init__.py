r"""The programme-to-occupation gap: ITS graduates against the entries employers plan.

For ITS technology area :math:`a`, province or region :math:`r` and year :math:`t`:

.. math::

    Gap_{a,r,t} = D_{a,r,t} - S_{a,r,t}, \qquad
    Coverage_{a,r,t} = S_{a,r,t} / D_{a,r,t}

* **Supply** :math:`S` is ITS graduates of area *a* in province *r* (by where the course
  runs), averaged over the ``window`` years ending in *t*: *graduates per year*. Where
  the 12-month outcome survey is known, the **outcome-adjusted supply** counts only the
  graduates employed at 12 months in a job coherent with the course (INDIRE's
  "occupati coerenti"). Optionally, **competing supply** (other ISCED 5-6 graduates mapped
  to areas, :mod:`skills.indicators.competing`) gives a second coverage.
* **Demand** :math:`D` is *planned entries per year* at ITS level (Excelsior counts
  planned hiring contracts, not persons), mapped from occupations :math:`o` to areas
  through the versioned ITS area -> ISCO-08 crosswalk with weights :math:`w_{a \to o}`
  (summing to 1 per area: where an area's graduates go). Two allocation rules, both
  standard (methods.md section 3):

  - ``occupation_share``: occupation *o*'s entries are divided among the areas linked
    to it in proportion to their weights,
    :math:`D_a = \sum_o \frac{w_{a \to o}}{\sum_b w_{b \to o}} H_o`. No entry is counted
    twice (the areas' demand sums to the demand of the occupations covered), but an
    occupation linked to one area gives that area all its entries, however weak the
    link. Right when the question is "who should fill these entries".
  - ``weighted_sum``: area *a* takes :math:`w_{a \to o}` of each occupation's entries,
    :math:`D_a = \sum_o w_{a \to o} H_o`. Weak links bring in little; the areas' demand
    need not add up to the occupations' total. Right when the question is "how many
    entries look like the jobs this area's graduates take".

  A **minimum link weight** :math:`m` drops links with :math:`w_{a \to o} < m` before
  either rule (the remaining weights are not rescaled), the usual remedy for loosely
  related occupations inflating demand.
* The **hard-to-fill share** of an area's demand is the entry-weighted mean of the
  occupations' hard-to-fill shares, :math:`h_a = \sum_o A_{a,o} h_o / \sum_o A_{a,o}`
  over occupations whose share is known.

Every modelling choice moves the answer, so a gap is published for a *central
specification* (:class:`GapSpec`, named on every row) with a **band** over every
combination of crosswalk variant x allocation rule x minimum link weight x supply window
(:class:`GapChoices`), and a one-at-a-time **sensitivity** table saying which choice moves
each area's gap and rank most (:func:`its_gap_sensitivity`). The occupations driving a
gap are in :func:`its_gap_drivers`.

Demand is used at the crosswalk's grain: 3-digit ISCO-08 codes when the hiring file has
them; a 2-digit code is matched to the crosswalk rolled up to its sub-major group (a link
to 313 then stands for a share of all of group 31). Each row records the grain
(``demand_grain``: ``3-digit``, ``2-digit`` or ``mixed``). Demand periods finer than a year
(``2024-Q2``, ``2024-07``) are summed to the year.

References
----------
methods.md section 3; Unioncamere-ANPAL, *Sistema Informativo Excelsior* (planned
entries, "entrate previste", and "difficile reperimento"); INDIRE, *Monitoraggio nazionale
ITS* (graduates and 12-month outcomes).
"""

from __future__ import annotations

from skills.indicators.gap._band import its_gap, its_gap_sensitivity, its_gap_specs
from skills.indicators.gap._demand import crosswalked_demand
from skills.indicators.gap._outputs import GAP_INDICATORS, its_gap_drivers, its_gap_indicators
from skills.indicators.gap._spec import (
    ALLOCATIONS,
    CHOICES,
    DEFAULT_LEVELS,
    DEMAND_UNIT,
    GAP_UNIT,
    SUPPLY_UNIT,
    Allocation,
    GapChoices,
    GapSpec,
)
from skills.indicators.gap._supply import its_supply, trailing_mean

__all__ = [
    "ALLOCATIONS",
    "CHOICES",
    "DEFAULT_LEVELS",
    "DEMAND_UNIT",
    "GAP_INDICATORS",
    "GAP_UNIT",
    "SUPPLY_UNIT",
    "Allocation",
    "GapChoices",
    "GapSpec",
    "crosswalked_demand",
    "its_gap",
    "its_gap_drivers",
    "its_gap_indicators",
    "its_gap_sensitivity",
    "its_gap_specs",
    "its_supply",
    "trailing_mean",
]
