"""``scripts/check_secrets.py``: the repository holds no secrets, and the script does fail,
naming file and line, when one is planted. The planted secrets are built here at run time,
so that this file's source holds none (the script also reads this file)."""

from __future__ import annotations

import random
import string
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "check_secrets.py"
RNG = random.Random(20261128)  # noqa: S311 — fixed, so the planted values are the same every run


def scan(*args, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 — our own script
        [sys.executable, str(SCRIPT), *map(str, args)], cwd=cwd, capture_output=True, text=True, check=False
    )


def rand(n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(RNG.choices(alphabet, k=n))


def private_key() -> str:
    body = "\n".join(rand(64, string.ascii_letters + string.digits + "+/") for _ in range(4))
    return f"-----BEGIN {'RSA'} PRIVATE KEY-----\n{body}\n-----END {'RSA'} PRIVATE KEY-----\n"


def test_the_repository_holds_no_secrets():
    result = scan()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "nothing that looks like a secret" in result.stdout


@pytest.mark.parametrize(
    ("name", "lines", "line", "what"),
    [
        ("deploy.py", lambda: ["import os", "", *private_key().splitlines()], 3, "a private key"),
        ("settings.py", lambda: ["DEBUG = False", f'SECRET_KEY = "{rand(50)}"'], 2, "given to SECRET_KEY"),
        (
            "settings.py",
            lambda: [f'SECRET_KEY = env_str("SECRET_KEY", "{rand(50)}")'],
            1,
            "given to SECRET_KEY",
        ),
        ("client.py", lambda: [f"client = Client(api_key='{rand(40)}')"], 1, "given to api_key"),
        ("config.json", lambda: ["{", f'  "password": "{rand(20)}"', "}"], 2, "given to password"),
        ("deploy.sh", lambda: [f"export DB_PASSWORD={rand(24)}"], 1, "given to DB_PASSWORD"),
        (
            "sms.py",
            lambda: [f'KEY_ID = "{"AK" + "IA"}{rand(16, string.ascii_uppercase + string.digits)}"'],
            1,
            "AWS",
        ),
        ("sms.py", lambda: [f'ACCESS = "{"LT" + "AI"}{rand(20)}"'], 1, "Alibaba Cloud"),
        ("ci.yml", lambda: [f"token: {'gh' + 'p_'}{rand(36)}"], 1, "GitHub token"),
        (
            "README.md",
            lambda: [f"DATABASE_URL=postgres://daibiao:{rand(16)}@db:5432/daibiao"],
            1,
            "password in a URL",
        ),
        (
            "notes.txt",
            lambda: [
                ".".join("eyJ" + rand(30, string.ascii_letters + string.digits + "_-") for _ in range(3))
            ],
            1,
            "JSON web token",
        ),
    ],
)
def test_a_planted_secret_fails_with_its_file_and_line(tmp_path, name, lines, line, what):
    path = tmp_path / name
    path.write_text("\n".join(lines()) + "\n")
    result = scan(path)
    assert result.returncode == 1, result.stdout
    assert f"{path}:{line}: " in result.stdout
    assert what in result.stdout


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("demo.py", 'DEMO_PASSWORD = "demo12345"  # the published demo logins'),
        ("base.py", 'SECRET_KEY = env_str("SECRET_KEY", "insecure-development-key-change-me")'),
        ("prod.py", 'SECRET_KEY = env_str("SECRET_KEY")'),
        ("migration.py", "tokenize='unicode61 remove_diacritics 0', prefix='1'"),
        ("serializers.py", "token = serializers.CharField(max_length=64)"),
        ("README.md", "e.g. `postgres://user:pass@host:5432/daibiao`"),
        ("settings.py", 'PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]'),
    ],
)
def test_what_is_not_a_secret_passes(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text + "\n")
    result = scan(path)
    assert result.returncode == 0, result.stdout


def test_tests_may_hold_fake_passwords_but_never_keys(tmp_path):
    tests = tmp_path / "tests"
    tests.mkdir()
    fake = tests / "test_login.py"
    fake.write_text(f'PASSWORD = "{rand(30)}"\n')
    assert scan(fake).returncode == 0
    fake.write_text(f'PASSWORD = "{rand(30)}"\n' + private_key())
    result = scan(fake)
    assert result.returncode == 1
    assert f"{fake}:2: a private key" in result.stdout


def test_a_line_may_say_it_is_allowed(tmp_path):
    path = tmp_path / "docs.py"
    path.write_text(f'EXAMPLE_TOKEN = "{rand(40)}"  # secret-scan: allow (a made-up value in docs)\n')
    assert scan(path).returncode == 0


def git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)  # noqa: S603, S607


def test_in_a_repository_it_reads_new_files_and_refuses_env_files(tmp_path):
    """Without arguments it scans what git lists in the script's repository: tracked files
    and new ones not yet added, but not ignored ones."""
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    (repo / "scripts" / "check_secrets.py").write_bytes(SCRIPT.read_bytes())
    git(repo, "init", "-q")
    (repo / ".gitignore").write_text("ignored/\n")
    (repo / "app.py").write_text("print('hello')\n")
    run = lambda: subprocess.run(  # noqa: E731
        [sys.executable, "scripts/check_secrets.py"], cwd=repo, capture_output=True, text=True, check=False
    )
    assert run().returncode == 0

    (repo / "ignored").mkdir()
    (repo / "ignored" / "key.pem").write_text(private_key())
    assert run().returncode == 0  # ignored: never committed

    (repo / ".env").write_text("DEBUG=1\n")
    result = run()
    assert result.returncode == 1
    assert ".env:1: an environment file is in the repository" in result.stdout

    (repo / ".env").unlink()
    (repo / ".env.example").write_text("SECRET_KEY=\n")
    (repo / "deploy.py").write_text("\n" + private_key())
    result = run()
    assert result.returncode == 1
    assert result.stdout.splitlines() == ["deploy.py:2: a private key"]
