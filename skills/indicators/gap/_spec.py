"""The modelling choices of the ITS gap: one specification, and the set the band spans."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

Allocation = Literal["occupation_share", "weighted_sum"]
ALLOCATIONS: tuple[str, ...] = get_args(Allocation)
DEFAULT_LEVELS: Mapping[str, float] = {"its_academy": 1.0}
DEMAND_UNIT = "planned entries per year"
SUPPLY_UNIT = "graduates per year"
GAP_UNIT = "planned entries minus graduates per year"

#: The choices a specification fixes, in the order of its name.
CHOICES: tuple[str, ...] = ("variant", "allocation", "min_link_weight", "window")
AREA_KEY = ("its_area", "geo", "year")


@dataclass(frozen=True)
class GapSpec:
    """One specification of the gap: every modelling choice, fixed.

    Parameters
    ----------
    variant
        Crosswalk variant (``central``, ``narrow``, ``broad`` in the shipped crosswalk).
    allocation
        ``occupation_share`` or ``weighted_sum`` (see the module docstring).
    min_link_weight
        Crosswalk links with a weight below this are dropped (not rescaled).
    window
        Years in the trailing mean of graduates.
    """

    variant: str = "central"
    allocation: Allocation = "occupation_share"
    min_link_weight: float = 0.1
    window: int = 3

    def __post_init__(self) -> None:
        if self.allocation not in ALLOCATIONS:
            raise ValueError(f"allocation must be one of {ALLOCATIONS}, not {self.allocation!r}")
        if not 0.0 <= self.min_link_weight < 1.0:
            raise ValueError("min_link_weight must be in [0, 1)")
        if self.window < 1:
            raise ValueError("window must be >= 1")

    @property
    def name(self) -> str:
        """The specification's name, e.g. ``central/occupation_share/min0.10/3y``."""
        return f"{self.variant}/{self.allocation}/min{self.min_link_weight:.2f}/{self.window}y"


@dataclass(frozen=True)
class GapChoices:
    """The alternatives the band spans: every combination of these values.

    The central specification's values are always included (so the band contains it).
    """

    variants: tuple[str, ...] = ("narrow", "central", "broad")
    allocations: tuple[Allocation, ...] = ("occupation_share", "weighted_sum")
    min_link_weights: tuple[float, ...] = (0.0, 0.1, 0.2)
    windows: tuple[int, ...] = (2, 3, 4)

    def specs(self, central: GapSpec, available_variants: Sequence[str]) -> list[GapSpec]:
        """Every specification of the band, the central one first (variants the crosswalk has)."""

        if central.variant not in available_variants:
            raise ValueError(
                f"the crosswalk has no variant {central.variant!r} "
                f"(it has {sorted(available_variants)})"
            )
        variants = sorted({*self.variants, central.variant} & set(available_variants))
        allocations = sorted({*self.allocations, central.allocation})
        weights = sorted({*(float(m) for m in self.min_link_weights), central.min_link_weight})
        windows = sorted({*(int(w) for w in self.windows), central.window})
        out = [central]
        for v, a, m, w in itertools.product(variants, allocations, weights, windows):
            spec = GapSpec(v, a, m, w)
            if spec != central:
                out.append(spec)
        return out
