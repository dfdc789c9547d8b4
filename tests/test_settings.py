"""Configuration: defaults, parsing and one-line errors naming the variable."""

from __future__ import annotations

import subprocess
import sys
from datetime import time
from pathlib import Path

import pytest

from engine.settings import SETTINGS, ConfigError, read_settings, redact_url, redacted, served_at

ROOT = Path(__file__).resolve().parent.parent


def test_embedded_defaults_live_under_the_instance_folder(tmp_path: Path) -> None:
    values = read_settings({"TRAMITES_INSTANCE_PATH": str(tmp_path)})
    assert values["DATABASE_URL"] == f"sqlite:///{tmp_path / 'tramites.db'}"
    assert values["STORAGE_URL"] == (tmp_path / "documents").as_uri()
    assert values["TIMEZONE"] == "America/Argentina/Tucuman"
    assert values["BROKER_URL"] is None and values["LDAP_URL"] is None and values["MQTT_URL"] is None


def test_backups_go_under_the_instance_folder_unless_scheduled_elsewhere(tmp_path: Path) -> None:
    values = read_settings({"TRAMITES_INSTANCE_PATH": str(tmp_path)})
    assert values["BACKUP_DIR"] == str(tmp_path / "copias")
    assert (values["BACKUP_SCHEDULE"], values["BACKUP_KEEP"], values["BACKUP_PUBLIC_KEY"]) == (None, 14, None)
    scheduled = read_settings({"TRAMITES_INSTANCE_PATH": str(tmp_path), "TRAMITES_BACKUP_SCHEDULE": "15:30, 03:00",
                               "TRAMITES_BACKUP_DIR": "/srv/copias"})
    assert scheduled["BACKUP_SCHEDULE"] == (time(3, 0), time(15, 30)) and scheduled["BACKUP_DIR"] == "/srv/copias"


def test_secret_key_is_generated_once_per_instance(tmp_path: Path) -> None:
    first = read_settings({"TRAMITES_INSTANCE_PATH": str(tmp_path)})["SECRET_KEY"]
    second = read_settings({"TRAMITES_INSTANCE_PATH": str(tmp_path)})["SECRET_KEY"]
    assert first == second and len(first) >= 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_postgres_urls_use_the_shipped_driver(tmp_path: Path) -> None:
    values = read_settings({"TRAMITES_INSTANCE_PATH": str(tmp_path),
                            "TRAMITES_DATABASE_URL": "postgresql://u:p@db:5432/tramites"})
    assert values["DATABASE_URL"] == "postgresql+psycopg://u:p@db:5432/tramites"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DATABASE_URL", "mysql://x/y", "must be a URL starting with"),
        ("STORAGE_URL", "/tmp/docs", "must be a URL starting with file:// or s3://"),
        ("PUBLIC_URL", "tramites.smt.gob.ar", "http://"),
        ("BROKER_URL", "kafka://x:1", "redis://"),
        ("LDAP_URL", "ldap://", "has no host"),
        ("MQTT_URL", "tcp://x:1883", "mqtt://"),
        ("TIMEZONE", "Mars/Olympus", "time zone"),
        ("MAX_UPLOAD_MB", "many", "invalid literal"),
        ("MAX_UPLOAD_MB", "0", "positive"),
        ("GAF_SANDBOX", "quizás", "must be 1 (on) or 0 (off)"),
        ("GAF_SANDBOX_IN_PRODUCTION", "si", "acepto-pagos-falsos"),
        ("BACKUP_SCHEDULE", "3am", "times of day HH:MM separated by commas, not '3am'"),
        ("BACKUP_SCHEDULE", "03:00,25:00", "not '25:00'"),
        ("BACKUP_KEEP", "0", "positive"),
    ],
)
def test_malformed_settings_name_the_variable(tmp_path: Path, variable: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        read_settings({"TRAMITES_INSTANCE_PATH": str(tmp_path), f"TRAMITES_{variable}": value})
    assert str(caught.value).startswith(f"TRAMITES_{variable}: ")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_cli_reports_a_bad_setting_in_one_line_without_traceback(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "TRAMITES_INSTANCE_PATH": str(tmp_path), "TRAMITES_DATABASE_URL": "oracle://x/y"}
    tramites = Path(sys.executable).with_name("tramites")
    done = subprocess.run([str(tramites), "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "Error de configuración: TRAMITES_DATABASE_URL: must be a URL starting with sqlite:// or postgresql+psycopg://"
    ]


def test_redaction_hides_passwords_and_secrets() -> None:
    assert redact_url("s3://KEY:SECRET@minio:9000/docs") == "s3://KEY:***@minio:9000/docs"
    shown = redacted({"SECRET_KEY": "abc", "DATABASE_URL": "postgresql+psycopg://u:pw@h/db"})
    assert shown == {"SECRET_KEY": "***", "DATABASE_URL": "postgresql+psycopg://u:***@h/db"}


def test_readme_documents_every_setting() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [s.name for s in SETTINGS if f"`TRAMITES_{s.name}`" not in readme]
    assert missing == []


@pytest.mark.parametrize(("host", "expected"), [("127.0.0.1", "http://127.0.0.1:5101"),
                                                ("0.0.0.0", "http://127.0.0.1:5101"),  # noqa: S104
                                                ("::1", "http://[::1]:5101")])
def test_an_unset_public_url_follows_the_address_served(tmp_path: Path, host: str, expected: str) -> None:
    values = read_settings({"TRAMITES_INSTANCE_PATH": str(tmp_path)})
    assert values["PUBLIC_URL"] == "http://127.0.0.1:5000"
    assert served_at(values, host, 5101) == expected == values["PUBLIC_URL"]


def test_a_public_url_that_is_set_stays_whatever_the_port(tmp_path: Path) -> None:
    values = read_settings({"TRAMITES_INSTANCE_PATH": str(tmp_path), "TRAMITES_PUBLIC_URL": "https://tramites.example"})
    assert served_at(values, "127.0.0.1", 5101) == "https://tramites.example" == values["PUBLIC_URL"]


def test_without_a_mail_server_the_embedded_default_keeps_mail_locally(tmp_path: Path) -> None:
    assert read_settings({"TRAMITES_INSTANCE_PATH": str(tmp_path)})["MAIL_OUTBOX"] is True
    smtp = {"TRAMITES_INSTANCE_PATH": str(tmp_path), "TRAMITES_SMTP_HOST": "smtp.example"}
    assert read_settings(smtp)["MAIL_OUTBOX"] is False
    production = {"TRAMITES_INSTANCE_PATH": str(tmp_path), "TRAMITES_SECRET_KEY": "k"}
    assert read_settings(production)["MAIL_OUTBOX"] is False  # production sends, or says once why not
