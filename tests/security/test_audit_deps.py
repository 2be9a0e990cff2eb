"""``scripts/audit_deps.py`` tells a clean audit from one that could not be made.

pip-audit and npm are replaced by stand-ins that hand over a prepared report (the shapes are
those the real tools write), and the PyPI probe reads a ``file://`` tree, so every case runs
the same without a network: vulnerabilities fail even when being offline is allowed; an
audit that checked nothing never says "no known vulnerabilities" and passes only when
``AUDIT_OFFLINE_OK=1`` and the service really is out of reach.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "audit_deps.py"
CLEAN_CLAIM = "no known vulnerabilities"


def load_script():
    spec = importlib.util.spec_from_file_location("audit_deps", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["audit_deps"] = module  # dataclasses look the module up while defining
    spec.loader.exec_module(module)
    return module


AUDIT = load_script()
PINS = AUDIT.pinned()


def skipped(name):
    return {"name": name, "skip_reason": f"Dependency not found on PyPI and could not be audited: {name}"}


def audited(name, version, vulns=()):
    return {"name": name, "version": version, "vulns": list(vulns)}


VULN = {"id": "PYSEC-2099-1", "fix_versions": ["99.0"], "aliases": ["CVE-2099-0001"], "description": "bad"}
ALL_SKIPPED = {"dependencies": [skipped(n) for n, _ in PINS], "fixes": []}
ALL_CLEAN = {"dependencies": [audited(n, v) for n, v in PINS], "fixes": []}
ONE_VULNERABLE = {"dependencies": [audited(n, v, [VULN] if i == 3 else []) for i, (n, v) in enumerate(PINS)]}
NPM_OFFLINE = {
    "message": "405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk",
    "statusCode": 405,
    "error": {"summary": "", "detail": ""},
}


def npm_report(*severities):
    vulns = {
        f"pkg{i}": {"name": f"pkg{i}", "severity": s, "via": [{"title": f"Advisory {i}", "url": "https://x"}]}
        for i, s in enumerate(severities)
    }
    counts = {k: severities.count(k) for k in ("info", "low", "moderate", "high", "critical")}
    return {
        "auditReportVersion": 2,
        "vulnerabilities": vulns,
        "metadata": {"vulnerabilities": counts, "dependencies": {"prod": 4, "total": 4}},
    }


def stand_in(path: Path, body: str) -> str:
    path.write_text(f"#!{sys.executable}\n{body}")
    path.chmod(0o755)
    return str(path)


@pytest.fixture
def tools(tmp_path):
    """Stand-ins for pip-audit and npm; ``tools(pip=…, npm=…, pypi=…)`` runs the script."""
    pip_audit = stand_in(
        tmp_path / "pip-audit",
        "import json, os, sys\n"
        "args = sys.argv[1:]\n"
        "open(os.environ['FAKE_ARGS'], 'w').write(json.dumps(args))\n"
        "report = os.environ.get('FAKE_PIP_REPORT')\n"
        "if report is None:\n    sys.exit('pip-audit: crashed')\n"
        "open(args[args.index('-o') + 1], 'w').write(report)\n",
    )
    npm = stand_in(
        tmp_path / "npm", "import os, sys\nsys.stdout.write(os.environ['FAKE_NPM_REPORT'])\nsys.exit(1)\n"
    )

    def call(*, pip=None, npm_json=None, pypi=None, offline_ok=False):
        env = {
            **os.environ,
            "PIP_AUDIT": pip_audit,
            "NPM": npm if npm_json is not None else "",
            "FAKE_ARGS": str(tmp_path / "args.json"),
            "FAKE_NPM_REPORT": json.dumps(npm_json or {}),
            "AUDIT_PYPI_URL": pypi or (tmp_path / "no-such-service").as_uri(),
            "AUDIT_TIMEOUT": "2",
        }
        env.pop("AUDIT_OFFLINE_OK", None)
        env.pop("FAKE_PIP_REPORT", None)
        if pip is not None:
            env["FAKE_PIP_REPORT"] = json.dumps(pip)
        if offline_ok:
            env["AUDIT_OFFLINE_OK"] = "1"
        result = subprocess.run(  # noqa: S603 — our own script
            [sys.executable, str(SCRIPT)], env=env, capture_output=True, text=True, check=False, timeout=120
        )
        result.args_seen = json.loads((tmp_path / "args.json").read_text())
        return result

    return call


def answering_pypi(tmp_path) -> Path:
    """A PyPI JSON API (as files) that answers for the first pinned release."""
    name, version = PINS[0]
    root = tmp_path / "pypi"
    (root / name / version).mkdir(parents=True)
    (root / name / "json").write_text(json.dumps({"releases": {version: []}}))
    (root / name / version / "json").write_text(json.dumps({"info": {}, "vulnerabilities": []}))
    return root


def test_it_audits_both_lock_files_without_installing_anything(tools):
    result = tools(pip=ALL_CLEAN)
    args = result.args_seen
    assert args[:4] == ["-r", "requirements/base.lock", "-r", "requirements/test.lock"]
    assert {"--no-deps", "--disable-pip"} <= set(args)
    assert args[args.index("-f") + 1] == "json"


def test_everything_audited_and_nothing_found_is_clean(tools):
    result = tools(pip=ALL_CLEAN)
    assert result.returncode == 0, result.stdout
    assert CLEAN_CLAIM in result.stdout
    assert "NOT AUDITED" not in result.stdout


@pytest.mark.parametrize("offline_ok", [False, True])
def test_a_vulnerability_fails_whatever_is_allowed(tools, offline_ok):
    result = tools(pip=ONE_VULNERABLE, offline_ok=offline_ok)
    assert result.returncode == 1
    assert f"{PINS[3][0]} {PINS[3][1]}: PYSEC-2099-1 (fixed in 99.0)" in result.stdout


def test_nothing_audited_with_the_service_out_of_reach_is_not_a_clean_audit(tools):
    result = tools(pip=ALL_SKIPPED)
    assert result.returncode == 2
    assert "NOT AUDITED (pip-audit): vulnerability service unreachable" in result.stdout
    assert f"{len({n.lower() for n, _ in PINS})} of" in result.stdout
    assert CLEAN_CLAIM not in result.stdout.lower()


def test_offline_may_be_allowed_but_is_still_said_loudly(tools):
    result = tools(pip=ALL_SKIPPED, offline_ok=True)
    assert result.returncode == 0
    assert "NOT AUDITED: vulnerability service unreachable" in result.stdout
    assert "Allowed by AUDIT_OFFLINE_OK=1" in result.stdout
    assert CLEAN_CLAIM not in result.stdout.lower()


def test_skips_while_the_service_answers_are_not_excused(tools, tmp_path):
    """PyPI answers for a release it lists, yet packages were skipped: not an outage, so
    being offline being allowed does not cover it."""
    result = tools(pip=ALL_SKIPPED, pypi=answering_pypi(tmp_path).as_uri(), offline_ok=True)
    assert result.returncode == 2
    assert "the advisory service answered, but not for these" in result.stdout
    assert "unreachable (" not in result.stdout


def test_the_probe_counts_a_silent_per_release_api_as_unreachable(tmp_path, monkeypatch):
    """PyPI lists the release but its per-release JSON (the advisories) does not answer:
    that is what pip-audit reports as "not found on PyPI"."""
    name, version = PINS[0]
    root = answering_pypi(tmp_path)
    monkeypatch.setenv("AUDIT_PYPI_URL", root.as_uri())
    assert AUDIT.probe_pypi(name, version, 2) is None
    (root / name / version / "json").unlink()
    why = AUDIT.probe_pypi(name, version, 2)
    assert f"{name}/{version}/json" in why
    assert "though PyPI lists that release" in why
    monkeypatch.setenv("AUDIT_PYPI_URL", (tmp_path / "nowhere").as_uri())
    assert AUDIT.probe_pypi(name, version, 2)


def test_a_pip_audit_that_crashes_is_not_excused(tools):
    result = tools(pip=None, offline_ok=True)
    assert result.returncode == 2
    assert "NOT AUDITED (pip-audit)" in result.stdout
    assert "pip-audit: crashed" in result.stdout


def test_npm_audit_out_of_reach_is_reported_and_may_be_allowed(tools):
    result = tools(pip=ALL_CLEAN, npm_json=NPM_OFFLINE)
    assert result.returncode == 2
    assert "NOT AUDITED (npm audit): vulnerability service unreachable" in result.stdout
    assert "405 Method Not Allowed" in result.stdout
    assert tools(pip=ALL_CLEAN, npm_json=NPM_OFFLINE, offline_ok=True).returncode == 0


def test_npm_fails_on_high_and_critical_only(tools):
    assert tools(pip=ALL_CLEAN, npm_json=npm_report("low", "moderate")).returncode == 0
    result = tools(pip=ALL_CLEAN, npm_json=npm_report("moderate", "high"), offline_ok=True)
    assert result.returncode == 1
    assert "VULNERABLE (npm audit): pkg1 (high): Advisory 1" in result.stdout
    assert "pkg0" not in result.stdout
