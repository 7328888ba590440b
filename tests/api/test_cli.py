"""`orchard api` and `python -m api` as an operator starts them."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx

from tests.api.conftest import SECRET
from tests.services import REPO, free_port, wait_for_port


def clean_env(**extra: str) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if not k.startswith("ORCHARD_")}, **extra}


def test_orchard_api_has_help_naming_its_defaults():
    result = subprocess.run([sys.executable, "-m", "orchard.cli", "api", "--help"], capture_output=True, text=True,
                            cwd=REPO, env=clean_env(), timeout=60)
    assert result.returncode == 0 and "8082" in result.stdout and "127.0.0.1" in result.stdout


def test_without_a_secret_key_it_stops_with_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "api"], capture_output=True, text=True, cwd=REPO, timeout=60,
                            env=clean_env(ORCHARD_DATA_DIR=str(tmp_path)))
    assert result.returncode != 0
    assert "ORCHARD_SECRET_KEY" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_python_m_api_migrates_the_registry_and_serves_the_docs(tmp_path):
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "api", "--port", str(port)], cwd=REPO,
                               env=clean_env(ORCHARD_DATA_DIR=str(tmp_path), ORCHARD_SECRET_KEY=SECRET),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_port(port, timeout=60, process=process)
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/api/docs").status_code == 200
        assert "/api/trees/{tree_id}/readings" in httpx.get(f"{base}/api/openapi.json").json()["paths"]
        assert httpx.get(f"{base}/api/me").status_code == 401
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert (tmp_path / "registry.db").exists()
