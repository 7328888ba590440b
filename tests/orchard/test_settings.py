import os
import subprocess
import sys
from pathlib import Path

import pytest

from orchard.auth import read_camera_token
from orchard.errors import SettingsError
from orchard.settings import Settings


def test_defaults_put_embedded_stores_in_the_data_dir(tmp_path):
    settings = Settings.load({"ORCHARD_DATA_DIR": str(tmp_path)})
    assert settings.store_url == f"sqlite:///{tmp_path / 'readings.db'}"
    assert settings.db_url == f"sqlite:///{tmp_path / 'registry.db'}"


@pytest.mark.parametrize("env, names", [
    ({"ORCHARD_MQTT_URL": "http://broker"}, "ORCHARD_MQTT_URL"),
    ({"ORCHARD_MQTT_URL": "mqtt://broker:port"}, "ORCHARD_MQTT_URL"),
    ({"ORCHARD_STORE_URL": "postgres://x"}, "ORCHARD_STORE_URL"),
    ({"ORCHARD_STORE_URL": "influxdb://influx:8086"}, "ORCHARD_STORE_URL"),
    ({"ORCHARD_INTERVAL_S": "soon"}, "ORCHARD_INTERVAL_S"),
    ({"ORCHARD_DEVICE": "Pi #3"}, "ORCHARD_DEVICE"),
    ({"ORCHARD_LOG_LEVEL": "LOUD"}, "ORCHARD_LOG_LEVEL"),
])
def test_a_wrong_value_names_its_variable_in_one_line(env, names):
    with pytest.raises(SettingsError) as caught:
        Settings.load(env)
    message = str(caught.value)
    assert message.startswith(names) and "\n" not in message


def test_unknown_variables_are_refused_with_a_suggestion():
    expected = r"ORCHARD_STOR_URL is not an Orchard setting \(did you mean ORCHARD_STORE_URL\?\)"
    with pytest.raises(SettingsError, match=expected):
        Settings.load({"ORCHARD_STOR_URL": "sqlite:///x.db"})


def test_secrets_can_come_from_files(tmp_path):
    secret = tmp_path / "token"
    secret.write_text("s3cret-token\n")
    settings = Settings.load({"ORCHARD_INFLUX_TOKEN_FILE": str(secret)})
    assert settings.influx_token.get_secret_value() == "s3cret-token"
    assert "s3cret" not in repr(settings)


def test_missing_secret_file_is_a_clear_error(tmp_path):
    with pytest.raises(SettingsError, match="ORCHARD_SECRET_KEY_FILE: cannot read"):
        Settings.load({"ORCHARD_SECRET_KEY_FILE": str(tmp_path / "missing")})


def test_tests_build_settings_directly():
    assert Settings(mqtt_url="mqtts://u:p@broker:8883", _env_file=None).mqtt_url.startswith("mqtts://")


def test_mqtt_password_from_a_secret_file_joins_the_url(tmp_path):
    secret = tmp_path / "mqtt"
    secret.write_text("p@ss/word\n")
    settings = Settings.load({"ORCHARD_MQTT_URL": "mqtt://orchard-ingest@broker:1883",
                              "ORCHARD_MQTT_PASSWORD_FILE": str(secret)})
    assert settings.mqtt_url == "mqtt://orchard-ingest:p%40ss%2Fword@broker:1883"


def test_mqtt_password_without_a_user_is_refused():
    with pytest.raises(SettingsError, match="^ORCHARD_MQTT_PASSWORD needs a user"):
        Settings.load({"ORCHARD_MQTT_PASSWORD": "x"})


def test_db_password_from_a_secret_file_joins_the_registry_url(tmp_path):
    secret = tmp_path / "db_password"
    secret.write_text("s3cret:/@x\n")
    settings = Settings.load({"ORCHARD_DB_URL": "postgresql://orchard@postgres:5432/orchard",
                              "ORCHARD_DB_PASSWORD_FILE": str(secret)})
    assert settings.db_url == "postgresql://orchard:s3cret%3A%2F%40x@postgres:5432/orchard"


def test_db_password_without_a_postgresql_user_is_refused():
    with pytest.raises(SettingsError, match="^ORCHARD_DB_PASSWORD needs a user"):
        Settings.load({"ORCHARD_DB_PASSWORD": "x"})
    with pytest.raises(SettingsError, match="^ORCHARD_DB_PASSWORD needs a user"):
        Settings.load({"ORCHARD_DB_URL": "postgresql://postgres:5432/orchard", "ORCHARD_DB_PASSWORD": "x"})


def run_orchard(cwd, *args, **env) -> subprocess.CompletedProcess:
    """`orchard ARGS` as a user runs it: in `cwd`, with only PATH-like variables and `env` set."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ORCHARD_")}
    orchard = Path(sys.executable).with_name("orchard")
    return subprocess.run([str(orchard), *args], cwd=cwd, env={**clean, **env}, capture_output=True,
                          text=True, timeout=60)


def test_a_secret_file_named_in_dotenv_is_read(tmp_path):
    key = "k" * 40
    (tmp_path / "secret-key").write_text(key + "\n")
    (tmp_path / ".env").write_text(f"# site settings\nORCHARD_SECRET_KEY_FILE={tmp_path / 'secret-key'}\n"
                                   "COMPOSE_PROJECT_NAME=orchard\n")
    done = run_orchard(tmp_path, "camera-token", "cam-01", "--ttl", "60")
    assert done.returncode == 0, done.stderr
    assert read_camera_token(key, done.stdout.strip()).allows("cam-01")


def test_dotenv_typos_are_refused_by_their_own_name(tmp_path):
    (tmp_path / ".env").write_text("ORCHARD_STOR_URL=sqlite:///x.db\n")
    done = run_orchard(tmp_path, "readings")
    assert done.returncode == 2
    assert ("ORCHARD_STOR_URL is not an Orchard setting (did you mean ORCHARD_STORE_URL?)"
            in done.stderr.strip().splitlines()[-1])


def test_the_environment_wins_over_dotenv_and_a_file_over_nothing(tmp_path):
    (tmp_path / "token").write_text("from-file")
    (tmp_path / ".env").write_text(f"ORCHARD_LOG_LEVEL=debug\nORCHARD_INFLUX_TOKEN_FILE={tmp_path / 'token'}\n")
    settings = Settings.load({"ORCHARD_LOG_LEVEL": "error"}, env_file=tmp_path / ".env")
    assert settings.log_level == "ERROR"
    assert settings.influx_token.get_secret_value() == "from-file"


def test_a_variable_and_its_file_together_are_refused(tmp_path):
    (tmp_path / "key").write_text("x" * 40)
    with pytest.raises(SettingsError, match="^ORCHARD_SECRET_KEY and ORCHARD_SECRET_KEY_FILE"):
        Settings.load({"ORCHARD_SECRET_KEY": "y" * 40, "ORCHARD_SECRET_KEY_FILE": str(tmp_path / "key")})
