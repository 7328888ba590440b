"""A season's care log for the demo cooperative, so a newcomer sees one on first open.

Plot north (trees 1-12, where `customer` and `customer2` hold their trees) is cared for with
traps and biological control only: its promise panel shows the positive case. Plot south had
one honest chemical spray, with its registration number and pre-harvest interval. Tree 1's
watering of three days ago was corrected, so its customer sees a changed entry and what it
said before.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchard.care.content import Content, Input
from orchard.care.records import correct_entry, record_entry
from orchard.registry import orchards, people
from orchard.registry.models import Plot, utcnow

BT = Input("Bacillus thuringiensis (Bt) 32000 IU/mg WP", 1.5, "g/L", "biological")
MITES = Input("Predatory mites (Neoseiulus californicus)", 50, "per tree", "biological")
# A made-up product and number: the demo must not pin a real registration on a spray nobody did.
SPRAY = Input("Demo imidacloprid 10% WP", 0.3, "g/L", "synthetic", "PD20990001", 21)


def seed_care_log(session: Session, farm_id: str, now: datetime | None = None) -> int:
    """Record the demo season on `farm_id` (its plots north and south, trees 1 and 13); the number of entries."""
    now = now or utcnow()
    farmer = people.find_user(session, "farmer")
    if farmer is None:
        return 0
    plots = {p.name: p.id for p in session.scalars(select(Plot).where(Plot.farm_id == farm_id))}
    tree1, tree13 = orchards.find_tree(session, farm_id, "1"), orchards.find_tree(session, farm_id, "13")
    if tree1 is None or tree13 is None or not {"north", "south"} <= set(plots):
        return 0
    by = farmer.id

    def at(days: float, hour: int = 9) -> datetime:
        return (now - timedelta(days=days)).replace(hour=hour % 24, minute=30, second=0, microsecond=0) \
            if days >= 1 else now - timedelta(hours=2)

    def add(when: datetime, kind: str, scope: str, content: Content, **place: int):
        recorded = min(now, when + timedelta(hours=3))
        return record_entry(session, farm_id=farm_id, scope=scope, kind=kind, event_at=when, by=by,
                            content=content, now=recorded, **place)

    north, south = {"plot_id": plots["north"]}, {"plot_id": plots["south"]}
    made = [
        add(at(120), "pruning", "plot", Content(notes="Winter pruning: opened the crowns, removed cankered wood."),
            **north),
        add(at(118), "pruning", "plot", Content(notes="Winter pruning."), **south),
        add(at(90), "fertilising", "farm", Content(notes="Spread composted goat manure under every tree.",
                                                   material="composted goat manure", quantity=1200, unit="kg")),
        add(at(60), "pest_control", "plot", Content(notes="Hung yellow sticky traps and pheromone traps.",
                                                     method="traps"), **north),
        add(at(45), "pest_control", "plot", Content(notes="Released predatory mites against red spider mite.",
                                                     method="biological", inputs=(MITES,)), **north),
        add(at(30), "pest_control", "plot", Content(
            notes="Aphids too many for the ladybirds on the south slope: one spray, edge rows first.",
            method="chemical", inputs=(SPRAY,)), **south),
        add(at(14), "inspection", "farm", Content(notes="Walked every row: fruit set is good, a little scab on"
                                                        " the south slope.")),
        add(at(9), "watering", "plot", Content(notes="Drip irrigation, 2 hours.", quantity=4000, unit="L"),
            **north),
        add(at(5), "pest_control", "plot", Content(notes="Bt spray against codling moth caterpillars, evening.",
                                                    method="biological", inputs=(BT,)), **north),
        add(at(4), "inspection", "tree", Content(notes="Tree 1: about 60 fruits, thinned to 45."),
            tree_id=tree1.id),
        add(at(2), "pest_control", "tree", Content(notes="Picked off leaf-roller nests by hand.",
                                                    method="by_hand"), tree_id=tree13.id),
    ]
    watering = add(at(3, 7), "watering", "tree", Content(notes="Watered tree 1 at the roots.", quantity=20, unit="L"),
                   tree_id=tree1.id)
    correct_entry(session, watering, by=by, content=Content(
        notes="Watered tree 1 at the roots.", quantity=30, unit="L", reason="Misread the meter: it was 30 L."),
        now=min(now, at(3, 7) + timedelta(days=1)))
    made.append(add(at(0), "inspection", "tree", Content(notes="Morning check: leaves healthy, no pests seen."),
                    tree_id=tree1.id))
    return len(made) + 1
