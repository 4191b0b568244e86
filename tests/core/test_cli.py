"""The `survey` command as a new user and an operator meet it: serve, init, users,
questionnaire export and import."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from survey import PROJECT_ROOT


def run(args, tmp_path, stdin=None, **env):
    environment = {"PATH": os.environ["PATH"], "HOME": str(tmp_path),
                   "SURVEY_INSTANCE_PATH": str(tmp_path / "instance"), **env}
    return subprocess.run([sys.executable, "-m", "survey", *args], cwd=tmp_path, env=environment,
                          input=stdin, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    """A new instance folder after one `survey init` (what a new user has)."""
    tmp_path = tmp_path_factory.mktemp("cli")
    first = run(["init"], tmp_path)
    assert first.returncode == 0, first.stderr
    return tmp_path, first.stdout


def counts(tmp_path):
    code = ("import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); "
            "print([c.execute(f'select count(*) from {t}').fetchone()[0] for t in "
            "('states','questionnaire_versions','questions','reporting_cycles','responses',"
            "'users','audit_events')])")
    return subprocess.run([sys.executable, "-c", code, str(tmp_path / "instance/survey.db")],
                          capture_output=True, text=True, check=True).stdout


def test_init_loads_everything_and_running_it_again_changes_nothing(instance):
    tmp_path, output = instance
    assert "Loaded 193 UN Member States." in output
    assert "Loaded the Kyoto Declaration questionnaire" in output
    assert "Opened the reporting cycle" in output
    assert "password:" in output
    before = counts(tmp_path)
    again = run(["init"], tmp_path)
    assert again.returncode == 0 and "password:" not in again.stdout
    assert counts(tmp_path) == before
    assert before.startswith("[193, 1,")


def test_serve_offers_a_login_page(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {"PATH": os.environ["PATH"], "SURVEY_INSTANCE_PATH": str(tmp_path / "instance")}
    server = subprocess.Popen([sys.executable, "-m", "survey", "serve", "--port", str(port)],
                              cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as page:
                    html = page.read().decode()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("survey serve did not serve: " + server.stdout.read())
                time.sleep(0.3)
        assert 'name="email"' in html and 'name="password"' in html
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stdout.close()


def test_user_create_with_a_password_or_a_link(instance):
    tmp_path, _ = instance
    with_password = run(["user", "create", "--email", "fp@example.org", "--role", "focal_point",
                         "--state", "KEN", "--password-stdin"], tmp_path,
                        stdin="a long and memorable passphrase\n")
    assert with_password.returncode == 0, with_password.stderr
    assert "Link" not in with_password.stdout
    with_link = run(["user", "create", "--email", "obs@example.org", "--role", "observer",
                     "--state", "ken"], tmp_path)
    assert "http://127.0.0.1:5000/set-password/" in with_link.stdout
    assert "set SURVEY_BASE_URL to the address people use" in with_link.stdout
    unknown_state = run(["user", "create", "--email", "x@example.org", "--role", "observer",
                         "--state", "XXX"], tmp_path)
    assert unknown_state.returncode != 0 and "no State with code" in unknown_state.stderr
    weak = run(["user", "create", "--email", "w@example.org", "--role", "observer",
                "--state", "KEN", "--password-stdin"], tmp_path, stdin="password\n")
    assert weak.returncode == 1 and "at least 12" in weak.stderr


def test_export_import_export_round_trips_and_a_bad_file_changes_nothing(instance):
    tmp_path, _ = instance
    exported = run(["questionnaire", "export"], tmp_path)
    assert exported.returncode == 0, exported.stderr
    committed = (PROJECT_ROOT / "questionnaires/kyoto-2021.json").read_text(encoding="utf-8")
    assert exported.stdout == committed  # the published version is the generated file
    (tmp_path / "copy.json").write_text(exported.stdout, encoding="utf-8")
    imported = run(["questionnaire", "import", "copy.json"], tmp_path)
    assert "as draft version 2" in imported.stdout
    again = run(["questionnaire", "export", "--version", "2"], tmp_path)
    assert again.stdout == exported.stdout

    data = json.loads(exported.stdout)
    data["paragraphs"][3]["questions"][2]["type"] = "dropdown"
    (tmp_path / "bad.json").write_text(json.dumps(data), encoding="utf-8")
    before = counts(tmp_path)
    refused = run(["questionnaire", "import", "bad.json"], tmp_path)
    assert refused.returncode == 1
    assert "paragraphs[3].questions[2].type: unknown type 'dropdown'" in refused.stderr
    assert "nothing was imported" in refused.stderr
    assert counts(tmp_path) == before
