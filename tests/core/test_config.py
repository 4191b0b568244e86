"""Settings: declared once, read from the environment, refused clearly when wrong."""

import subprocess
import sys

import pytest

from survey import create_app
from survey.config import ConfigError, describe_settings, load_settings


def test_defaults_and_environment_are_typed():
    settings = load_settings(environ={"SURVEY_SESSION_IDLE_MINUTES": "30",
                                      "SURVEY_SMTP_STARTTLS": "yes"})
    assert settings.SESSION_IDLE_MINUTES == 30
    assert settings.SMTP_STARTTLS is True
    assert settings.INVITATION_DAYS == 10
    assert settings.DATABASE_URL is None


@pytest.mark.parametrize(("environ", "named"), [
    ({"SURVEY_SESSION_IDLE_MINUTES": "an hour"}, "SURVEY_SESSION_IDLE_MINUTES"),
    ({"SURVEY_SESSION_IDLE_MINUTES": "0"}, "SURVEY_SESSION_IDLE_MINUTES"),
    ({"SURVEY_SMTP_STARTTLS": "maybe"}, "SURVEY_SMTP_STARTTLS"),
    ({"SURVEY_ENV": "staging"}, "SURVEY_ENV"),
    ({"SURVEY_DATABASE_URL": "not a url"}, "SURVEY_DATABASE_URL"),
    ({"SURVEY_DATABASE_URL": "mysql://localhost/x"}, "SURVEY_DATABASE_URL"),
    ({"SURVEY_REDIS_URL": "localhost:6379"}, "SURVEY_REDIS_URL"),
    ({"SURVEY_SECRET_KEY": "short"}, "SURVEY_SECRET_KEY"),
])
def test_a_malformed_setting_is_refused_by_name(environ, named):
    with pytest.raises(ConfigError) as excinfo:
        load_settings(environ=environ)
    assert str(excinfo.value).startswith(named + ":")


def test_production_requires_a_secret_key():
    with pytest.raises(ConfigError, match="SURVEY_SECRET_KEY: required"):
        load_settings(environ={"SURVEY_ENV": "production"})


def test_development_key_is_generated_once_and_kept(tmp_path):
    config = {"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path}/a.db"}
    first = create_app(config).secret_key
    second = create_app(config).secret_key
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_an_unreachable_database_stops_start_up_naming_the_setting(tmp_path):
    with pytest.raises(ConfigError, match=r"^SURVEY_DATABASE_URL: cannot connect"):
        create_app({"INSTANCE_PATH": str(tmp_path),
                    "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"})


def test_every_setting_is_documented():
    for name, _default, help_text in describe_settings():
        assert name.startswith("SURVEY_") and help_text


@pytest.mark.parametrize(("variable", "value"), [
    ("SURVEY_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none"),
    ("SURVEY_SESSION_IDLE_MINUTES", "soon"),
])
def test_the_command_prints_one_clear_line_not_a_traceback(tmp_path, variable, value):
    env = {"PATH": "/usr/bin:/bin", "SURVEY_INSTANCE_PATH": str(tmp_path), variable: value}
    result = subprocess.run([sys.executable, "-m", "survey", "init"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"Error: {variable}:" in result.stderr
