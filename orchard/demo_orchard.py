"""The demo's cooperative in the registry: one farm, 24 trees, 8 devices with a camera each, 5 people."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from orchard import demo_care
from orchard.registry import orchards, people
from orchard.registry.models import Farm
from orchard.registry.passwords import mqtt_password_hash

FARM = "demo"
TREES = 24
PASSWORDS = {"admin": "orchard-admin", "farmer": "orchard-farmer", "customer": "orchard-customer",
             "customer2": "orchard-customer2", "customer3": "orchard-customer3"}
# A field unit the person trying the demo plays with mosquitto_pub; the simulated units have random passwords.
MY_PI = "my-pi"
MY_PI_PASSWORD = "orchard-my-pi"
# The account the person trying the demo reads topics with (mosquitto_sub).
OPERATOR_PASSWORD = "orchard-operator"


def device_ids(count: int) -> list[str]:
    return [f"node-{index:02d}" for index in range(1, count + 1)]


def seed(sessions: sessionmaker[Session], devices: int = 8) -> bool:
    """Create the demo cooperative unless the farm exists; True if it was created.

    Device i stands at tree 3i-2 and its camera cam-i sees trees 3i-2..3i; `my-pi` stands at
    tree 24 with no camera. `customer` holds a season's claim on tree 1 (cam-01, node-01);
    `customer2` one in force on tree 4 (cam-02) and one on tree 7 (cam-03) that began months ago
    and ended last week; `customer3` one on tree 10 (cam-04) that starts next month. All are paid
    (active): their dates alone decide what each customer sees today.
    """
    with sessions.begin() as s:
        if s.scalar(select(Farm).where(Farm.id == FARM)) is not None:
            return False
        orchards.create_farm(s, FARM, "Demo Hillside Orchard", location="Yunnan", timezone="Asia/Shanghai")
        plots = [orchards.create_plot(s, FARM, name) for name in ("north", "south")]
        s.flush()
        trees = [orchards.create_tree(s, FARM, str(n), plot_id=plots[(n - 1) * 2 // TREES].id, variety="Fuji")
                 for n in range(1, TREES + 1)]
        s.flush()
        for index, device in enumerate(device_ids(devices)):
            seen = trees[index * 3: index * 3 + 3] or trees[-3:]
            orchards.create_device(s, device, FARM, tree_id=seen[0].id, sensors="simulated")
            s.flush()
            orchards.create_camera(s, f"cam-{index + 1:02d}", device, [t.id for t in seen])
        my_pi, _ = orchards.create_device(s, MY_PI, FARM, tree_id=trees[-1].id, sensors="")
        my_pi.mqtt_password_hash = mqtt_password_hash(MY_PI_PASSWORD)
        people.create_user(s, "admin", "admin", password=PASSWORDS["admin"], display_name="Co-op admin")
        people.create_user(s, "farmer", "farmer", password=PASSWORDS["farmer"], display_name="Li Wei",
                           farm_ids=[FARM])
        names = {"customer": "Chen Jing", "customer2": "Wang Fang", "customer3": "Zhang Min"}
        customer, customer2, customer3 = (
            people.create_user(s, name, "customer", password=PASSWORDS[name], display_name=display)
            for name, display in names.items())
        s.flush()
        now = datetime.now(UTC)
        day = timedelta(days=1)
        for ref, (who, tree, starts, ends) in enumerate((
            (customer, trees[0], now - 7 * day, now + 180 * day),
            (customer2, trees[3], now - 20 * day, now + 160 * day),
            (customer2, trees[6], now - 150 * day, now - 7 * day),
            (customer3, trees[9], now + 30 * day, now + 210 * day),
        ), start=1):
            people.create_claim(s, who, tree, starts, ends, status="active", order_ref=f"DEMO-{ref}")
        demo_care.seed_care_log(s, FARM, now)
    return True
