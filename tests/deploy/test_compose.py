"""docker-compose.yml read as the IT helper's docker would: every name it uses must exist.

No Docker engine runs here, so the pieces it uses are tested elsewhere (the broker
config, the commands); this checks the file wires them together without typos.
"""

from __future__ import annotations

import ipaddress
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from orchard.cli import SUBCOMMANDS
from orchard.settings import PREFIX, Settings
from tests.services import require

REPO = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
OURS = {name: svc for name, svc in SERVICES.items() if svc.get("image") == "orchard-live"}


def test_every_orchard_variable_is_a_setting():
    known = {PREFIX + name.upper() for name in Settings.model_fields}
    for name, service in OURS.items():
        for variable in service.get("environment", {}):
            assert variable in known or variable.removesuffix("_FILE") in known, f"{name}: {variable}"


@pytest.mark.parametrize("name", sorted(OURS))
def test_every_command_is_an_orchard_subcommand(name):
    service = OURS[name]
    command = service.get("entrypoint", ["orchard"])[1:] + service.get("command", [])
    assert command and command[0] in SUBCOMMANDS, f"{name} runs {command}"


def test_every_secret_and_volume_is_declared_and_every_file_exists():
    for name, service in SERVICES.items():
        for secret in service.get("secrets", []):
            assert secret in COMPOSE["secrets"], f"{name} uses undeclared secret {secret}"
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (REPO / source).exists(), f"{name} mounts missing {source}"
            else:
                assert source in COMPOSE["volumes"], f"{name} uses undeclared volume {source}"
        for secret_file in (Path(s["file"]) for s in COMPOSE["secrets"].values()):
            assert secret_file.parts[0] == "secrets"  # made by the header's one-liner, never committed


def test_secret_files_named_in_environment_are_mounted():
    for name, service in OURS.items():
        mounted = {f"/run/secrets/{s}" for s in service.get("secrets", [])}
        for variable, value in service.get("environment", {}).items():
            if variable.endswith("_FILE"):
                assert value in mounted, f"{name}: {variable} points at {value}, which is not mounted"


def test_the_broker_entrypoint_knows_every_service_account_secret():
    entrypoint = (REPO / "deploy" / "mosquitto" / "entrypoint.sh").read_text()
    mounted = set(SERVICES["mosquitto"]["secrets"])
    acl = (REPO / "deploy" / "mosquitto" / "acl").read_text()
    accounts = {urlsplit(svc["environment"]["ORCHARD_MQTT_URL"]).username
                for svc in OURS.values() if "ORCHARD_MQTT_PASSWORD_FILE" in svc.get("environment", {})}
    assert {"orchard-ingest", "orchard-streams", "orchard-dashboard", "orchard-simulator",
            "orchard-alerts"} <= accounts
    for account in accounts:
        assert account in entrypoint, account
        assert "mqtt_" + account.removeprefix("orchard-") in mounted, account
        assert f"user {account}\n" in acl, account


# -- the proxy: one origin in front of every web service -------------------------------------------

CADDYFILE = REPO / "deploy" / "caddy" / "Caddyfile"
PROXY = "proxy"
BROKER_PORTS = {"1883", "8883"}  # MQTT for the field units: no HTTP proxy can carry it


def caddy_routes(text: str) -> dict[str, tuple[str, int]]:
    """Each `handle` of the site block: its path prefix ("/" for the fallback) -> (upstream host, port)."""
    lines = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    matchers = {m.group(1): m.group(2).split() for m in map(re.compile(r"@(\S+)\s+path\s+(.+)").fullmatch, lines) if m}
    routes: dict[str, tuple[str, int]] = {}
    for start, line in enumerate(lines):
        handle = re.fullmatch(r"handle\s*(@\S+)?\s*\{", line)
        if not handle:
            continue
        depth, body = 0, []
        for inner in lines[start:]:  # the block, braces balanced
            depth += inner.count("{") - inner.count("}")
            body.append(inner)
            if depth == 0:
                break
        upstream = re.search(r"reverse_proxy\s+([\w.-]+):(\d+)", "\n".join(body))
        matcher = handle.group(1)
        assert upstream, f"handle {matcher or '(fallback)'} proxies nowhere"
        paths = matchers[matcher[1:]] if matcher else ["/"]
        prefix = min(paths, key=len)
        assert set(paths) <= {prefix, prefix + "/*", "/"}, f"{matcher}: paths {paths} are not one prefix"
        routes[prefix] = (upstream.group(1), int(upstream.group(2)))
    return routes


def listens_on(service: dict) -> tuple[str, int]:
    command = service.get("command", [])
    return command[command.index("--host") + 1], int(command[command.index("--port") + 1])


WEB = {name: svc for name, svc in OURS.items() if "--port" in svc.get("command", []) and
       svc["command"][0] in ("api", "streams", "dashboard")}
ROUTES = caddy_routes(CADDYFILE.read_text())


def test_the_proxy_is_caddy_from_its_official_image_with_its_config_mounted():
    proxy = SERVICES[PROXY]
    assert proxy["image"].split(":")[0] == "caddy"
    assert "./deploy/caddy/Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]


def test_every_web_service_is_reachable_through_the_proxy_and_on_its_network():
    assert set(WEB) == {"api", "streams", "dashboard"}
    upstreams = set(ROUTES.values())
    for name, service in WEB.items():
        host, port = listens_on(service)
        assert host == "0.0.0.0", f"{name} listens on {host}: the proxy could not reach it"
        assert (name, port) in upstreams, f"no route of the Caddyfile reaches {name}:{port}"
        shared = set(service["networks"]) & set(SERVICES[PROXY]["networks"])
        assert shared, f"{name} shares no network with the proxy"
    for host, _ in upstreams:
        assert host in WEB, f"the Caddyfile proxies to {host}, which is not a web service of the compose file"


def test_the_caddyfile_routes_each_path_to_the_service_that_serves_it():
    from api.app import PREFIX
    from streams.routes.cameras import router as camera_routes
    assert ROUTES[PREFIX] == ("api", listens_on(SERVICES["api"])[1])
    assert ROUTES[camera_routes.prefix] == ("streams", listens_on(SERVICES["streams"])[1])
    assert ROUTES["/"] == ("dashboard", listens_on(SERVICES["dashboard"])[1])
    assert set(ROUTES) == {PREFIX, camera_routes.prefix, "/"}


def test_the_dashboard_runs_as_the_design_says():
    assert SERVICES["dashboard"]["command"] == ["dashboard", "--host", "0.0.0.0", "--port", "8083"]


def test_no_service_but_the_proxy_publishes_a_port():
    for name, service in SERVICES.items():
        ports = [str(port) for port in service.get("ports", [])]
        if name == PROXY:
            assert {p.split(":")[-1].split("/")[0] for p in ports} == {"80", "443"}
        elif name == "mosquitto":
            assert {p.split(":")[-1] for p in ports} <= BROKER_PORTS, f"the broker publishes {ports}"
        else:
            assert not ports, f"{name} publishes {ports}: plain HTTP around the TLS proxy"


def test_the_services_sit_on_an_internal_network():
    internal = {name for name, net in COMPOSE["networks"].items() if (net or {}).get("internal")}
    assert internal
    for name, service in SERVICES.items():
        if name not in (PROXY, "mosquitto"):
            assert set(service.get("networks", ["default"])) <= internal, f"{name} is on {service.get('networks')}"


def test_the_proxy_sends_hsts():
    text = CADDYFILE.read_text()
    hsts = re.search(r'Strict-Transport-Security\s+"max-age=(\d+)', text)
    assert hsts and int(hsts.group(1)) >= 180 * 86400


def test_docker_compose_accepts_the_file(tmp_path):
    compose = require("docker-compose")
    shutil.copy(REPO / "docker-compose.yml", tmp_path)
    shutil.copytree(REPO / "deploy", tmp_path / "deploy")
    (tmp_path / "secrets").mkdir()
    for secret in COMPOSE["secrets"].values():
        (tmp_path / secret["file"]).write_text("test-secret\n")
    checked = subprocess.run([compose, "config", "-q"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stderr


def test_the_web_services_believe_forwarded_headers_from_the_proxy_alone():
    address = SERVICES[PROXY]["networks"]["backend"]["ipv4_address"]
    subnet = COMPOSE["networks"]["backend"]["ipam"]["config"][0]["subnet"]
    assert ipaddress.ip_address(address) in ipaddress.ip_network(subnet)
    for name, service in WEB.items():
        environment = service["environment"]
        assert environment["ORCHARD_TRUSTED_PROXIES"] == address, name
        assert environment["ORCHARD_PUBLIC_URL"].startswith("https://"), name


# -- production: PostgreSQL registry, health checks, restarts, scaling -----------------------------

LONG_RUNNING = {name: svc for name, svc in SERVICES.items() if "tools" not in svc.get("profiles", [])}
REGISTRY_USERS = {name: svc for name, svc in OURS.items() if "ORCHARD_DB_URL" in svc.get("environment", {})}


def test_every_service_that_reads_the_registry_reaches_postgresql_with_a_secret_password():
    assert {"ingest", "api", "streams", "dashboard", "admin"} <= set(REGISTRY_USERS)
    postgres = SERVICES["postgres"]
    assert postgres["image"].split(":")[0] == "postgres"
    assert postgres["environment"]["POSTGRES_PASSWORD_FILE"] == "/run/secrets/db_password"
    for name, service in REGISTRY_USERS.items():
        environment = service["environment"]
        url = urlsplit(environment["ORCHARD_DB_URL"])
        assert url.scheme == "postgresql" and url.hostname == "postgres", f"{name}: {url.geturl()}"
        assert url.username == postgres["environment"]["POSTGRES_USER"] and url.password is None, name
        assert url.path == "/" + postgres["environment"]["POSTGRES_DB"], name
        assert environment["ORCHARD_DB_PASSWORD_FILE"] == "/run/secrets/db_password", name
        assert "db_password" in service["secrets"], name
        assert service["depends_on"]["postgres"] == {"condition": "service_healthy"}, name
        assert not any(str(v).startswith("registry:") for v in service.get("volumes", [])), \
            f"{name} still shares a SQLite registry file"


def test_every_long_running_service_restarts_and_has_a_health_check():
    for name, service in LONG_RUNNING.items():
        assert service.get("restart") in ("unless-stopped", "always"), name
        if name in ("proxy", "simulator"):
            continue  # the proxy is checked by its users' browsers; the simulator is a demo's
        check = service.get("healthcheck", {}).get("test")
        assert check and check[0] in ("CMD", "CMD-SHELL"), f"{name} has no health check"


@pytest.mark.parametrize("name, url", [("api", "http://127.0.0.1:8082/api/healthz"),
                                       ("streams", "http://127.0.0.1:8081/healthz"),
                                       ("dashboard", "http://127.0.0.1:8083/healthz"),
                                       ("ingest", "http://127.0.0.1:9108/metrics")])
def test_each_service_health_check_asks_the_port_and_path_it_serves(name, url):
    check = " ".join(SERVICES[name]["healthcheck"]["test"])
    assert url in check, check
    port = int(urlsplit(url).port or 0)
    command = SERVICES[name]["command"]
    assert str(port) == command[command.index("--port") + 1], f"{name} listens elsewhere than its check asks"


def test_the_proxy_waits_for_healthy_web_services():
    for name in WEB:
        assert SERVICES[PROXY]["depends_on"][name] == {"condition": "service_healthy"}, name


def test_ingest_can_be_scaled_to_several_replicas():
    """`docker compose up --scale ingest=3`: nothing may be one-per-host, and replicas never share a spool."""
    ingest = SERVICES["ingest"]
    assert "container_name" not in ingest and "ports" not in ingest and "hostname" not in ingest
    assert not [v for v in ingest.get("volumes", []) if str(v).split(":")[1:2] == ["/data"]], \
        "a named /data volume would make every replica write the same spool file"


def test_every_volume_is_named_and_the_registry_and_readings_are_kept():
    declared = set(COMPOSE["volumes"])
    assert {"postgres-data", "influxdb-data", "mosquitto-data", "streams-data", "caddy-data"} <= declared
    assert "postgres-data:/var/lib/postgresql/data" in SERVICES["postgres"]["volumes"]
