#!/usr/bin/env python3
"""Look for secrets in the repository: private keys, access tokens in the formats their
issuers use, random-looking values given to names such as SECRET, PASSWORD or TOKEN, and
environment files. Prints ``path:line: what`` for each finding and exits 1; exits 0 when
there is none.

    python scripts/check_secrets.py            # the files git knows (tracked, and new ones
                                               # not ignored), from the repository root
    python scripts/check_secrets.py FILE …     # just these files

Keys and tokens are looked for everywhere, tests included (a test that needs one builds it
at run time, so that its source holds none). The random-value rule skips tests, where fake
credentials are the point, and the documented demo logins. A line that must hold something
that looks like a secret (and is not one) says so with ``secret-scan: allow``.

Standard library only: it runs before anything is installed.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path, PurePosixPath

ALLOW_MARKER = "secret-scan: allow"
MAX_BYTES = 2 * 1024 * 1024  # larger files are data or build output, not configuration

# Known formats, flagged wherever they appear.
PATTERNS = [
    (re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"), "a private key"),
    (re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), "an AWS access key ID"),
    (re.compile(r"\bLTAI[0-9A-Za-z]{12,24}\b"), "an Alibaba Cloud AccessKey ID"),
    (re.compile(r"\bAKID[0-9A-Za-z]{32}\b"), "a Tencent Cloud SecretId"),
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"), "a GitHub token"),
    (re.compile(r"\bgithub_pat_[A-Za-z0-9_]{22,}\b"), "a GitHub token"),
    (re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}\b"), "a GitLab token"),
    (re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b"), "a Slack token"),
    (re.compile(r"hooks\.slack\.com/services/T[A-Za-z0-9/]{20,}"), "a Slack webhook"),
    (re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"), "a Google API key"),
    (re.compile(r"\b[sr]k_live_[0-9A-Za-z]{20,}\b"), "a Stripe key"),
    (re.compile(r"\bsk-(?:proj-|ant-[a-z0-9]+-)?[A-Za-z0-9_-]{32,}\b"), "an OpenAI or Anthropic key"),
    (re.compile(r"\bnpm_[A-Za-z0-9]{36}\b"), "an npm token"),
    (re.compile(r"\bpypi-AgE[A-Za-z0-9_-]{50,}"), "a PyPI token"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"), "a JSON web token"),
]
URL_CREDENTIALS = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s/:@'\"]+:(?P<password>[^\s/@'\"]+)@")

# Names that say a value is a secret, as a whole word of an identifier (TOKEN, api_key,
# DB_PASSWORD, secretKey) but not inside another word ("tokenize").
SECRET_NAME = re.compile(
    r"(?i)(?<![a-z])(secret|passwd|password|pwd|token|api_?key|access_?key|private_?key|credentials?)(?![a-z])"
)
_VALUE = r"""[rbuRBU]?(?P<q>["'`])(?P<value>[^"'`\s]{12,})(?P=q)"""
# ``NAME = "…"``, ``name: "…"``, ``"name": "…"``, ``name="…"`` (an argument), ``NAME=…`` (shell,
# .env, ini), and a default read from the environment: ``getenv("NAME", "…")``.
ASSIGNMENTS = [
    re.compile(r"""(?P<name>[A-Za-z_][\w.-]*)["']?\s*(?::=|=>|=|:)\s*""" + _VALUE),
    re.compile(r"""\(\s*["'](?P<name>[A-Za-z_][\w.-]*)["']\s*,\s*""" + _VALUE),
]
# Unquoted values (``NAME=value``) only in configuration files, where a bare value is a string.
BARE_ASSIGNMENT = re.compile(
    r"""^\s*(?:export\s+)?(?P<name>[A-Za-z_][\w.-]*)\s*[=:]\s*(?P<value>[\w+/=.~-]{12,})\s*$"""
)
CONFIG_SUFFIXES = {
    "",
    ".env",
    ".ini",
    ".cfg",
    ".conf",
    ".sh",
    ".properties",
    ".yml",
    ".yaml",
    ".toml",
    ".service",
}
PLACEHOLDER_WORDS = {"pass", "password", "passwd", "pwd", "secret", "token", "changeme"}
PLACEHOLDER = re.compile(
    r"(?i)insecure|change[-_]?me|example|placeholder|dummy|not[-_]?secret|your[-_]|xxxx|\*\*\*|<[a-z_-]+>|[{}]|\$[A-Za-z_({]|%\("
)
# The published demo logins and the test cast's, documented in README.md and refused by the
# application unless DEMO_MODE is on: not secrets.
DOCUMENTED_VALUES = {"demo12345", "cast-pass-123"}
ENTROPY_BITS = 3.5  # per character; random base64 or hex has 4–6, words and slugs less

ENV_FILE = re.compile(r"^\.env(\..+)?$|^.+\.env$")
ENV_TEMPLATES = {".env.example", ".env.sample", ".env.template", ".env.dist"}
KEY_FILES = re.compile(r"(?i)^(id_(rsa|dsa|ecdsa|ed25519)|.+\.(p12|pfx|jks|keystore|ppk)|\.pgpass|\.netrc)$")


def shannon(value: str) -> float:
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def looks_random(value: str) -> bool:
    if value in DOCUMENTED_VALUES or PLACEHOLDER.search(value):
        return False
    if shannon(value) < ENTROPY_BITS:
        return False
    has_digit = any(c.isdigit() for c in value)
    has_alpha = any(c.isalpha() for c in value)
    return (has_digit and has_alpha) or len(value) >= 32


def is_test_path(path: PurePosixPath) -> bool:
    parts = set(path.parts[:-1])
    return (
        bool(parts & {"tests", "testing", "test"})
        or path.name.startswith("test_")
        or path.name == "conftest.py"
    )


def is_config(path: PurePosixPath) -> bool:
    return path.suffix.lower() in CONFIG_SUFFIXES or bool(ENV_FILE.match(path.name))


def check_name(path: PurePosixPath) -> list[str]:
    if ENV_FILE.match(path.name) and path.name not in ENV_TEMPLATES:
        return ["an environment file is in the repository (keep it out; add it to .gitignore)"]
    if KEY_FILES.match(path.name):
        return ["a key or credentials file is in the repository"]
    return []


def check_text(path: PurePosixPath, text: str) -> list[tuple[int, str]]:
    findings = []
    entropy_rule = not is_test_path(path)
    assignments = ASSIGNMENTS + ([BARE_ASSIGNMENT] if is_config(path) else [])
    for number, line in enumerate(text.splitlines(), 1):
        if ALLOW_MARKER in line:
            continue
        for pattern, what in PATTERNS:
            if pattern.search(line):
                findings.append((number, what))
        match = URL_CREDENTIALS.search(line)
        password = match["password"] if match else ""
        if match and not (
            PLACEHOLDER.search(password)
            or password.lower() in PLACEHOLDER_WORDS
            or password in DOCUMENTED_VALUES
        ):
            findings.append((number, "a password in a URL"))
        if entropy_rule and SECRET_NAME.search(line):
            for assignment in assignments:
                match = next(
                    (
                        m
                        for m in assignment.finditer(line)
                        if SECRET_NAME.search(m["name"]) and looks_random(m["value"])
                    ),
                    None,
                )
                if match:
                    findings.append((number, f"a random-looking value given to {match['name']}"))
                    break
    return findings


def check_file(root: Path, name: str) -> list[str]:
    path = PurePosixPath(name)
    found = [f"{name}:1: {what}" for what in check_name(path)]
    full = root / name
    if not full.is_file() or full.stat().st_size > MAX_BYTES:
        return found
    data = full.read_bytes()
    if b"\0" in data[:8192]:
        return found  # binary
    text = data.decode("utf-8", errors="replace")
    found += [f"{name}:{number}: {what}" for number, what in check_text(path, text)]
    return found


def repository_files(root: Path) -> list[str]:
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],  # noqa: S607 — git from PATH
        cwd=root,
        check=True,
        capture_output=True,
    ).stdout.decode()
    return sorted({name for name in listing.split("\0") if name})


def main(argv: list[str]) -> int:
    if argv:
        root, names = Path.cwd(), argv
    else:
        root = Path(__file__).resolve().parent.parent
        names = repository_files(root)
    findings = []
    for name in names:
        findings += check_file(root, name)
    for finding in findings:
        print(finding)
    if findings:
        print(f"check_secrets: {len(findings)} possible secret(s) in {len(names)} files", file=sys.stderr)
        return 1
    print(f"check_secrets: {len(names)} files, nothing that looks like a secret")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
