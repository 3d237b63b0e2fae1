"""What a roster row says: one organisation, as the matchmaker wrote it."""

from __future__ import annotations

import csv
import math
import re
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

__all__ = [
    "BELGIUM",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "Economy",
    "Organisation",
    "nace_divisions",
    "parse_tags",
]

REQUIRED_COLUMNS = ("id", "name", "economy", "sector", "fte", "target_group_fte", "offers", "needs")
#: Columns with a meaning of their own; every other column is a free attribute.
OPTIONAL_COLUMNS = ("municipality", "lat", "lon", "competitors", "capacity")

_TAG = re.compile(r"^[a-z][a-z0-9_]*$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_SECTOR = re.compile(r"^\d{2}(\.\d{1,2})?$")

#: Belgium (latitude 49.50-51.50, longitude 2.55-6.40) with a margin of about 25 km, so partners
#: just over the border (Lille, Maastricht, Aachen) stay welcome: (lat min, lat max, lon min,
#: lon max).
BELGIUM = (49.25, 51.75, 2.2, 6.75)


@cache
def nace_divisions() -> frozenset[str]:
    """The two-digit NACE Rev. 2 divisions (``data/nace_divisions.csv``)."""
    text = resources.files("pilotopt.data").joinpath("nace_divisions.csv").read_text("utf-8")
    return frozenset(row["division"] for row in csv.DictReader(text.splitlines()))


def _in_belgium(lat: float, lon: float) -> bool:
    lat_min, lat_max, lon_min, lon_max = BELGIUM
    return lat_min <= lat <= lat_max and lon_min <= lon <= lon_max


class Economy(StrEnum):
    """The four kinds of organisation a proeftuin mixes."""

    social = "social"
    regular = "regular"
    public = "public"
    knowledge = "knowledge"


def parse_tags(value: Any) -> tuple[str, ...]:
    """Read a list of tags written as ``repair;logistics`` (or a list, in JSON).

    Raises ``ValueError`` with a message a matchmaker can act on.
    """
    if value is None:
        return ()
    if isinstance(value, float) and math.isnan(value):
        return ()
    if isinstance(value, list | tuple):
        items = [str(v).strip() for v in value]
    elif isinstance(value, str):
        if not value.strip():
            return ()
        items = [t.strip() for t in value.split(";")]
    else:
        raise ValueError("expected tags separated by ';', e.g. 'repair_refurbish;logistics'")
    bad = [t for t in items if not _TAG.match(t)]
    if bad:
        hint = ""
        if any(c in "".join(bad) for c in ",| "):
            hint = " (separate tags with ';', not ',', '|' or spaces)"
        raise ValueError(
            f"tags must be lowercase words joined by '_' and separated by ';'{hint}; "
            f"not valid: {', '.join(repr(b) for b in bad)}"
        )
    # Keep the first occurrence order; repeated tags count once.
    return tuple(dict.fromkeys(items))


Tags = Annotated[tuple[str, ...], Field(default=())]


class Organisation(BaseModel):
    """One organisation of the roster.

    Location is a Flemish municipality (name or NIS code) or ``lat``/``lon``; io resolves a
    municipality to coordinates and a province.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    economy: Economy
    sector: str
    fte: float = Field(ge=0, allow_inf_nan=False)
    target_group_fte: float = Field(ge=0, allow_inf_nan=False)
    offers: Tags = ()
    needs: Tags = ()
    municipality: str | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180, validate_default=True)
    competitors: Tags = ()
    #: The most groups it may join (None: as the scenario's ``[membership]`` says, else 1).
    capacity: int | None = Field(default=None, ge=1)
    attributes: dict[str, str] = Field(default_factory=dict)

    @field_validator("id")
    @classmethod
    def _id_form(cls, v: str) -> str:
        if not _ID.match(v):
            raise ValueError("ids use letters, digits, '_', '.' and '-' only, no spaces or ';'")
        return v

    @field_validator("economy", mode="before")
    @classmethod
    def _economy_lower(cls, v: Any) -> Any:
        return v.strip().lower() if isinstance(v, str) else v

    @field_validator("sector", mode="before")
    @classmethod
    def _sector_form(cls, v: Any) -> str:
        text = str(v).strip()
        if isinstance(v, int) or (isinstance(v, float) and v.is_integer()):
            text = f"{int(v):02d}"
        if re.match(r"^\d(\.\d{1,2})?$", text):
            text = "0" + text  # a spreadsheet dropped the leading zero of division 01-09
        if not _SECTOR.match(text):
            raise ValueError("sector is a NACE division of two digits, e.g. '25' or '82.92'")
        divisions = nace_divisions()
        if text[:2] not in divisions:
            near = sorted(divisions, key=lambda d: (abs(int(d) - int(text[:2])), d))[:2]
            raise ValueError(f"NACE has no division {text[:2]}; the nearest are "
                             f"{' and '.join(sorted(near))}")
        return text

    @field_validator("offers", "needs", mode="before")
    @classmethod
    def _tags(cls, v: Any) -> tuple[str, ...]:
        return parse_tags(v)

    @field_validator("competitors", mode="before")
    @classmethod
    def _ids(cls, v: Any) -> tuple[str, ...]:
        if v is None or (isinstance(v, str) and not v.strip()):
            return ()
        items = v if isinstance(v, list | tuple) else str(v).split(";")
        ids = [str(x).strip() for x in items]
        bad = [x for x in ids if not _ID.match(x)]
        if bad:
            shown = ", ".join(map(repr, bad))
            raise ValueError(f"ids must be separated by ';'; not valid: {shown}")
        return tuple(dict.fromkeys(ids))

    @field_validator("capacity", mode="before")
    @classmethod
    def _whole(cls, v: Any) -> Any:
        if isinstance(v, str) and re.match(r"^\s*\d+[.,]0*\s*$", v):
            return v.replace(",", ".").split(".")[0]  # 2,0 or 2.0 from a spreadsheet
        return v

    @field_validator("target_group_fte")
    @classmethod
    def _within_fte(cls, v: float, info: ValidationInfo) -> float:
        fte = info.data.get("fte")
        if fte is not None and v > fte:
            raise ValueError(f"target_group_fte exceeds fte ({fte:g})")
        return v

    @field_validator("lon")
    @classmethod
    def _located(cls, v: float | None, info: ValidationInfo) -> float | None:
        lat = info.data.get("lat")
        if (lat is None) != (v is None) and "lat" in info.data:
            raise ValueError("give both lat and lon, or neither")
        if v is None and info.data.get("municipality") is None and "lat" in info.data:
            raise ValueError("give a municipality (name or NIS code) or lat and lon")
        if v is not None and lat is not None and not _in_belgium(lat, v):
            swapped = "; are lat and lon swapped?" if _in_belgium(v, lat) else ""
            raise ValueError(f"lat {lat:g}, lon {v:g} lies outside Belgium{swapped} (lat is "
                             "about 51, lon about 4 in Flanders)")
        return v

    @property
    def division(self) -> str:
        """The two-digit NACE division."""
        return self.sector[:2]
