"""Calibration of the synthetic demo: seeds, years, regions, occupations, ITS foundations.

Orders of magnitude only (see ``docs/demo.md``); no figure is a published statistic.
"""

from __future__ import annotations

DEMO_LABEL = "synthetic demo data"
DEMO_SEED = 20_240_601
YEARS = tuple(range(2015, 2026))
_BREAK_YEAR = 2021  # the 2021 EU-LFS redesign: Eurostat flags it 'b'
_PROVISIONAL_YEAR = 2025
_LAST_UPDATE = "15/10/26 23:00:00"

# Region parameters: employment (thousands, ages 15-74, 2015) and unemployment rate (%,
# 2015), then the yearly change of the rate in points. Orders of magnitude only.
_ITALY: dict[str, tuple[float, float, float]] = {
    "ITC1": (1780, 10.2, -0.45),
    "ITC2": (54, 8.9, -0.35),
    "ITC3": (600, 9.2, -0.35),
    "ITC4": (4300, 7.9, -0.35),
    "ITH1": (250, 3.8, -0.10),
    "ITH2": (235, 6.8, -0.30),
    "ITH3": (2080, 7.1, -0.30),
    "ITH4": (500, 8.0, -0.30),
    "ITH5": (1960, 7.7, -0.30),
    "ITI1": (1560, 9.2, -0.35),
    "ITI2": (350, 10.4, -0.40),
    "ITI3": (620, 9.9, -0.40),
    "ITI4": (2330, 11.8, -0.35),
    "ITF1": (480, 12.6, -0.45),
    "ITF2": (105, 14.3, -0.40),
    "ITF3": (1600, 19.8, -0.55),
    "ITF4": (1210, 19.7, -0.65),
    "ITF5": (185, 13.7, -0.45),
    "ITF6": (530, 22.9, -0.70),
    "ITG1": (1340, 21.4, -0.60),
    "ITG2": (550, 17.4, -0.60),
}
_BENCHMARKS: dict[str, tuple[float, float, float]] = {
    "DE11": (2150, 3.5, -0.05),
    "DE21": (2600, 2.9, -0.02),
    "FRK2": (3000, 8.6, -0.20),
    "ES51": (3300, 18.6, -0.90),
    "AT31": (730, 5.4, -0.05),
    "NL41": (1300, 6.0, -0.20),
}
_COUNTRIES: dict[str, tuple[float, float, float]] = {
    "IT": (22460, 11.9, -0.45),
    "DE": (39000, 4.6, -0.12),
    "FR": (26500, 10.4, -0.25),
    "ES": (17800, 22.1, -1.05),
    "AT": (4150, 5.7, -0.05),
    "NL": (8300, 6.9, -0.22),
    "EU27_2020": (195000, 10.0, -0.30),
}
#: Piedmont's provinces (NUTS 3) and their share of the region's employment.
PROVINCES: dict[str, float] = {
    "ITC11": 0.505,
    "ITC12": 0.038,
    "ITC13": 0.040,
    "ITC14": 0.034,
    "ITC15": 0.083,
    "ITC16": 0.140,
    "ITC17": 0.045,
    "ITC18": 0.095,
}
#: ISCO-08 major groups: share of employment (2015) and yearly growth: job polarisation,
#: with middle-skill groups (4, 7, 8) shrinking and high (1-3) and low (5, 9) growing.
_MAJOR: dict[str, tuple[float, float]] = {
    "0": (0.010, 0.000),
    "1": (0.040, 0.004),
    "2": (0.140, 0.022),
    "3": (0.175, 0.012),
    "4": (0.110, -0.009),
    "5": (0.175, 0.010),
    "6": (0.025, -0.015),
    "7": (0.140, -0.019),
    "8": (0.085, -0.014),
    "9": (0.096, 0.011),
}
# Mean hourly wage (EUR, base year 2014) per ISCO-08 sub-major group: the wage ranking.
_WAGE_2014: dict[str, float] = {
    "01": 24.0,
    "02": 19.0,
    "03": 15.5,
    "11": 45.0,
    "12": 38.0,
    "13": 34.0,
    "14": 22.0,
    "21": 27.5,
    "22": 25.0,
    "23": 23.5,
    "24": 26.0,
    "25": 26.5,
    "26": 24.0,
    "31": 19.5,
    "32": 17.0,
    "33": 19.0,
    "34": 15.5,
    "35": 18.0,
    "41": 15.0,
    "42": 13.5,
    "43": 14.5,
    "44": 14.0,
    "51": 10.5,
    "52": 11.0,
    "53": 10.8,
    "54": 12.5,
    "61": 11.5,
    "62": 11.0,
    "63": 9.5,
    "71": 14.2,
    "72": 14.8,
    "73": 13.8,
    "74": 15.2,
    "75": 12.8,
    "81": 14.6,
    "82": 13.6,
    "83": 13.9,
    "91": 10.0,
    "92": 9.8,
    "93": 10.6,
    "94": 9.6,
    "95": 9.0,
    "96": 10.2,
}
_EDU_SHARES_2015 = {"ED0-2": 0.36, "ED3_4": 0.46, "ED5-8": 0.18}
_EDU_TREND = {"ED0-2": -0.008, "ED3_4": 0.002, "ED5-8": 0.006}

#: Demo ITS foundations in Piedmont (synthetic names), their province and areas (2023).
_FOUNDATIONS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    (
        "DEMO-AERO",
        "Demo ITS Aerospazio e Meccatronica",
        "ITC11",
        ("mechatronics", "sustainable_mobility_logistics"),
    ),
    ("DEMO-AGRI", "Demo ITS Agroalimentare", "ITC16", ("agrifood",)),
    (
        "DEMO-BIO",
        "Demo ITS Biotecnologie e Scienze della Vita",
        "ITC11",
        ("chemistry_life_sciences",),
    ),
    ("DEMO-ENER", "Demo ITS Energia e Ambiente", "ITC11", ("energy", "housing_built_environment")),
    ("DEMO-ICT", "Demo ITS Tecnologie dell'Informazione", "ITC11", ("ict_data",)),
    (
        "DEMO-MOB",
        "Demo ITS Mobilita' Sostenibile e Logistica",
        "ITC18",
        ("sustainable_mobility_logistics",),
    ),
    ("DEMO-MODA", "Demo ITS Tessile Abbigliamento Moda", "ITC13", ("fashion",)),
    (
        "DEMO-TUR",
        "Demo ITS Turismo e Attivita' Culturali",
        "ITC16",
        ("culture_tourism", "business_services"),
    ),
)
_OTHER_SITES = ("ITC15", "ITC18", "ITC16", "ITC12", "ITC14", "ITC17")

# Education levels asked for, by ISCO-08 major group (shares of planned entries). The
# ITS Academy shares give about 4,300 planned entries at ITS level in Piedmont in 2022
# (Excelsior 2022: almost 52,000 in Italy, 4,300 in Piemonte), about 1 % of all entries.
_EDU_BY_MAJOR: dict[str, dict[str, float]] = {
    "1": {"university": 0.70, "its_academy": 0.014, "upper_secondary": 0.286},
    "2": {"university": 0.88, "its_academy": 0.011, "upper_secondary": 0.109},
    "3": {
        "university": 0.22,
        "its_academy": 0.038,
        "upper_secondary": 0.642,
        "vocational_qualification": 0.10,
    },
    "4": {
        "university": 0.10,
        "its_academy": 0.008,
        "upper_secondary": 0.692,
        "vocational_qualification": 0.10,
        "compulsory": 0.10,
    },
    "5": {"upper_secondary": 0.34, "vocational_qualification": 0.36, "compulsory": 0.30},
    "6": {"vocational_qualification": 0.40, "compulsory": 0.60},
    "7": {
        "its_academy": 0.008,
        "upper_secondary": 0.322,
        "vocational_qualification": 0.42,
        "compulsory": 0.25,
    },
    "8": {
        "its_academy": 0.005,
        "upper_secondary": 0.265,
        "vocational_qualification": 0.30,
        "compulsory": 0.43,
    },
    "9": {"vocational_qualification": 0.10, "compulsory": 0.90},
}
