#!/usr/bin/env python3
"""Audit the pinned dependencies for known vulnerabilities, and say plainly when that could
not be done.

    .venv/bin/python scripts/audit_deps.py                   # from the repository root
    AUDIT_OFFLINE_OK=1 .venv/bin/python scripts/audit_deps.py  # CI without the advisory services

Python: ``pip-audit`` on requirements/base.lock and requirements/test.lock (complete pinned
sets, so ``--no-deps --disable-pip``: nothing is installed or resolved). Front end:
``npm audit --omit=dev --audit-level=high`` on package-lock.json, when npm is there.

pip-audit prints "No known vulnerabilities found" even when it could look up none of the
packages (every one "not found on PyPI" because the per-release JSON API, which carries the
advisories, does not answer). This script counts what was really audited instead:

- exit 1: a vulnerability was found (pip-audit: any; npm: high or critical);
- exit 2: something could not be audited: "NOT AUDITED: …" names what and why; with
  ``AUDIT_OFFLINE_OK=1`` this exits 0, still printing the NOT AUDITED lines, when the
  advisory service is unreachable (never when it answered but some packages were skipped);
- exit 0: everything was audited and nothing was found.

Environment (for tests and unusual machines): PIP_AUDIT (the pip-audit command), NPM (the
npm command, "" to skip npm), AUDIT_PYPI_URL (the PyPI JSON API probed to tell an unreachable
service from a package PyPI does not have), AUDIT_TIMEOUT (seconds per request).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCKS = ("requirements/base.lock", "requirements/test.lock")
FOUND, NOT_AUDITED, CLEAN = 1, 2, 0
NPM_FAILING = ("high", "critical")


@dataclass
class Verdict:
    """What one audit established: the vulnerabilities found, what it could not check and
    whether that was because the advisory service could not be reached."""

    tool: str
    audited: int = 0
    vulnerabilities: list[str] = field(default_factory=list)
    not_audited: list[str] = field(default_factory=list)
    unreachable: str | None = None  # why the advisory service counts as unreachable

    def lines(self) -> list[str]:
        out = [f"VULNERABLE ({self.tool}): {v}" for v in self.vulnerabilities]
        if self.not_audited:
            why = (
                f"vulnerability service unreachable ({self.unreachable})"
                if self.unreachable
                else "the advisory service answered, but not for these"
            )
            shown = ", ".join(self.not_audited[:8]) + (" …" if len(self.not_audited) > 8 else "")
            out.append(
                f"NOT AUDITED ({self.tool}): {why}: {len(self.not_audited)} of "
                f"{self.audited + len(self.not_audited)} dependencies could not be checked: {shown}"
            )
        if not self.vulnerabilities and not self.not_audited:
            out.append(f"{self.tool}: {self.audited} dependencies audited, no known vulnerabilities")
        elif not self.vulnerabilities and self.audited:
            out.append(f"{self.tool}: no known vulnerabilities in the {self.audited} that were audited")
        return out


def run(command: list[str], timeout: int) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)  # noqa: S603


# --- Python: pip-audit ---------------------------------------------------------------------


def pinned(locks=LOCKS) -> list[tuple[str, str]]:
    pins = []
    for lock in locks:
        for line in (ROOT / lock).read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            if "==" in line and not line.startswith("-"):
                name, version = line.split("==", 1)
                pins.append((name.split("[")[0].strip(), version.split(";")[0].strip()))
    return pins


def probe_pypi(name: str, version: str, timeout: float) -> str | None:
    """Why the per-release JSON API (where pip-audit reads the advisories) cannot be used,
    or None when it answers for a release that exists."""
    base = os.environ.get("AUDIT_PYPI_URL", "https://pypi.org/pypi").rstrip("/")
    try:
        with urllib.request.urlopen(f"{base}/{name}/json", timeout=timeout) as response:  # noqa: S310
            releases = json.load(response).get("releases", {})
    except (OSError, ValueError) as exc:
        return f"{base}/{name}/json: {exc}"
    if version not in releases:
        return None  # the probe proves nothing; let pip-audit's answers stand
    url = f"{base}/{name}/{version}/json"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
            json.load(response)
    except (OSError, ValueError) as exc:
        return f"{url}: {exc}, though PyPI lists that release"
    return None


def judge_pip_audit(report: dict, unreachable: str | None) -> Verdict:
    """The verdict on pip-audit's JSON report; ``unreachable`` is the probe's finding."""
    verdict = Verdict("pip-audit")
    seen = set()
    for dep in report.get("dependencies", []):
        key = (dep.get("name", "").lower(), dep.get("version"))
        if key in seen:
            continue
        seen.add(key)
        if dep.get("skip_reason"):
            verdict.not_audited.append(f"{dep['name']}")
            continue
        verdict.audited += 1
        for vuln in dep.get("vulns", []):
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
            verdict.vulnerabilities.append(
                f"{dep['name']} {dep.get('version')}: {vuln.get('id')} (fixed in {fixes})"
            )
    if verdict.not_audited and unreachable:
        verdict.unreachable = unreachable
    return verdict


def audit_python(timeout: int) -> Verdict:
    command = os.environ.get("PIP_AUDIT") or str(ROOT / ".venv" / "bin" / "pip-audit")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        args = [command, *(a for lock in LOCKS for a in ("-r", lock))]
        args += ["--no-deps", "--disable-pip", "--progress-spinner", "off", "-f", "json", "-o", str(out)]
        args += ["--timeout", str(timeout)]
        try:
            result = run(args, timeout=60 * timeout)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return _failed("pip-audit", f"could not run {command}: {exc}")
        if not out.exists():
            return _failed(
                "pip-audit", f"no report (exit {result.returncode}): {result.stderr.strip()[-500:]}"
            )
        report = json.loads(out.read_text())
    verdict = judge_pip_audit(report, None)
    if verdict.not_audited:
        name, version = pinned()[0]
        verdict.unreachable = probe_pypi(name, version, timeout)
    return verdict


def _failed(tool: str, why: str) -> Verdict:
    verdict = Verdict(tool)
    verdict.not_audited.append(f"everything ({why})")
    return verdict


# --- front end: npm audit ------------------------------------------------------------------


def judge_npm_audit(report: dict) -> Verdict:
    """The verdict on ``npm audit --json``: an error is "not audited", high and critical
    advisories are failures (lower ones are printed by npm, not counted here)."""
    verdict = Verdict("npm audit")
    if "error" in report or "metadata" not in report:
        error = report.get("error") or {}
        why = report.get("message") or error.get("summary") or error.get("code") or "no audit report"
        verdict.not_audited.append("package-lock.json")
        verdict.unreachable = f"the registry's audit endpoint: {why}"
        return verdict
    meta = report["metadata"]
    verdict.audited = (meta.get("dependencies") or {}).get("prod", meta.get("totalDependencies", 0)) or 0
    for name, entry in sorted((report.get("vulnerabilities") or {}).items()):
        if entry.get("severity") in NPM_FAILING:
            via = [v.get("title") or v.get("url") for v in entry.get("via", []) if isinstance(v, dict)]
            verdict.vulnerabilities.append(
                f"{name} ({entry['severity']}): {'; '.join(via) or 'via a dependency'}"
            )
    return verdict


def audit_npm(timeout: int) -> Verdict | None:
    npm = os.environ.get("NPM", "npm")
    if not npm or not (ROOT / "package-lock.json").exists() or not shutil.which(npm):
        return None
    try:
        result = run([npm, "audit", "--omit=dev", "--audit-level=high", "--json"], timeout=60 * timeout)
        report = json.loads(result.stdout or "{}")
    except (OSError, subprocess.TimeoutExpired, ValueError) as exc:
        return _failed("npm audit", str(exc))
    return judge_npm_audit(report)


# --- the whole ------------------------------------------------------------------------------


def outcome(verdicts: list[Verdict], offline_ok: bool) -> int:
    if any(v.vulnerabilities for v in verdicts):
        return FOUND
    blocked = [v for v in verdicts if v.not_audited]
    if not blocked:
        return CLEAN
    if offline_ok and all(v.unreachable for v in blocked):
        return CLEAN
    return NOT_AUDITED


def main() -> int:
    timeout = int(os.environ.get("AUDIT_TIMEOUT", "10"))
    offline_ok = os.environ.get("AUDIT_OFFLINE_OK") == "1"
    verdicts = [audit_python(timeout)]
    npm = audit_npm(timeout)
    if npm is not None:
        verdicts.append(npm)
    for verdict in verdicts:
        for line in verdict.lines():
            print(line)
    code = outcome(verdicts, offline_ok)
    blocked = [v for v in verdicts if v.not_audited]
    if blocked:
        print("=" * 72)
        if all(v.unreachable for v in blocked):
            print("NOT AUDITED: vulnerability service unreachable; see the lines above.")
        else:
            print("NOT AUDITED: some dependencies could not be audited; see the lines above.")
        print("This is not a clean audit: no claim is made about known vulnerabilities.")
        if code == CLEAN:
            print("Allowed by AUDIT_OFFLINE_OK=1 (the advisory service cannot be reached from here).")
        print("=" * 72)
    return code


if __name__ == "__main__":
    sys.exit(main())
