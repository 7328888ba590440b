"""What a care-log revision says, checked: kind-specific fields, notes and the products applied.

The same checks serve the API, the dashboard and the demo: bad input is Invalid with a
sentence naming the field, and nothing is written.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from orchard.errors import Invalid
from orchard.registry.care_log import CareKind, InputClass, Method
from orchard.text import control_problem, name_problem

MAX_NOTES = 4000
MAX_NAME = 200
MAX_UNIT = 16
MAX_REASON = 500
MAX_PRE_HARVEST_DAYS = 365
# China's pesticide registration numbers: PD20080001, PD20080001F, WP20090123, LS20130045 (loosely).
REGISTRATION = re.compile(r"[A-Z]{2,3}[0-9]{6,10}[A-Z]?")
# Kinds whose revision may say how much (litres of water, kg of fertiliser or fruit).
MEASURED = frozenset({CareKind.WATERING, CareKind.FERTILISING, CareKind.HARVEST})


@dataclass(frozen=True)
class Input:
    """A product applied: name, registration number, dose with unit, pre-harvest interval, classification."""

    product: str
    dose: float
    dose_unit: str
    classification: InputClass | str  # as given; check_input reads it
    registration: str | None = None
    pre_harvest_days: int | None = None


@dataclass(frozen=True)
class Content:
    """The full content of one revision."""

    notes: str = ""
    material: str | None = None
    quantity: float | None = None
    unit: str | None = None
    method: Method | str | None = None  # as given; check_content reads it
    inputs: tuple[Input, ...] = field(default_factory=tuple)
    reason: str | None = None
    photo: str | None = None


def _text(value: str | None, name: str, limit: int, *, lines: bool = False) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if len(value) > limit:
        raise Invalid(f"{name}: at most {limit} characters, not {len(value)}")
    check = value.replace("\n", " ").replace("\r", " ") if lines else value
    problem = control_problem(check) if lines else name_problem(check)
    if problem:
        raise Invalid(f"{name}: {problem}")
    return value


def _number(value: float | None, name: str, *, positive: bool = False) -> float | None:
    if value is None:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise Invalid(f"{name}: must be a number")
    if value < 0 or (positive and value == 0):
        raise Invalid(f"{name}: must be {'more than' if positive else 'at least'} 0")
    return float(value)


def check_registration(value: str | None) -> str | None:
    """A pesticide registration number in its stored form (PD20080001), or Invalid saying what one looks like."""
    text = _text(value, "registration", 32)
    if text is None:
        return None
    text = text.upper().replace(" ", "")
    if not REGISTRATION.fullmatch(text):
        raise Invalid(f"registration: {text[:32]!r} does not look like a registration number such as PD20080001")
    return text


def check_input(item: Input) -> Input:
    product = _text(item.product, "product", MAX_NAME)
    if product is None:
        raise Invalid("product: name the product applied")
    dose = _number(item.dose, "dose", positive=True)
    unit = _text(item.dose_unit, "dose unit", MAX_UNIT)
    if dose is None or unit is None:
        raise Invalid("dose: give the dose and its unit (e.g. 1.5 ml/L)")
    try:
        classification = InputClass(item.classification)
    except ValueError:
        raise Invalid(f"classification: one of {', '.join(InputClass)}") from None
    registration = check_registration(item.registration)
    days = item.pre_harvest_days
    if days is not None and (isinstance(days, bool) or not isinstance(days, int)
                             or not 0 <= days <= MAX_PRE_HARVEST_DAYS):
        raise Invalid(f"pre-harvest interval: whole days from 0 to {MAX_PRE_HARVEST_DAYS}")
    if classification == InputClass.SYNTHETIC and (registration is None or days is None):
        raise Invalid("a synthetic product needs its registration number and pre-harvest interval (days)")
    return Input(product, dose, unit, classification, registration, days)


def check_content(kind: CareKind | str, content: Content) -> Content:
    """`content` cleaned for an entry of `kind`, or Invalid naming the first wrong field."""
    try:
        kind = CareKind(kind)
    except ValueError:
        raise Invalid(f"kind: one of {', '.join(CareKind)}") from None
    notes = _text(content.notes, "notes", MAX_NOTES, lines=True) or ""
    material = _text(content.material, "material", MAX_NAME)
    quantity = _number(content.quantity, "quantity")
    unit = _text(content.unit, "unit", MAX_UNIT)
    if kind not in MEASURED and quantity is not None:
        raise Invalid(f"quantity: a {kind.value.replace('_', ' ')} entry has no quantity")
    if quantity is not None and unit is None:
        raise Invalid("unit: give the unit of the quantity (L, kg)")
    method = None
    inputs: tuple[Input, ...] = ()
    if kind == CareKind.PEST_CONTROL:
        if content.method is None:
            raise Invalid("method: say how (by_hand, traps, biological or chemical)")
        try:
            method = Method(content.method)
        except ValueError:
            raise Invalid(f"method: one of {', '.join(Method)}") from None
        inputs = tuple(check_input(item) for item in content.inputs)
        if method == Method.CHEMICAL and not any(i.classification != InputClass.BIOLOGICAL for i in inputs):
            raise Invalid("a chemical control needs the product applied (name, registration, dose, interval)")
        if method in (Method.BY_HAND, Method.TRAPS) and inputs:
            raise Invalid(f"method: {method.value} applies no product; choose biological or chemical")
    elif content.method is not None or content.inputs:
        raise Invalid("method and products belong to pest and disease control entries")
    reason = _text(content.reason, "reason", MAX_REASON, lines=True)
    return Content(notes, material, quantity, unit if quantity is not None else None, method, inputs, reason,
                   content.photo)
