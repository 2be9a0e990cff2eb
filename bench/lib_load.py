"""A light HTTP/1.1 load generator and the gunicorn it loads, for the province benchmark.

``run_load`` opens ``clients`` keep-alive connections to 127.0.0.1 and has each send the
next of a few pre-built requests as soon as the last answer is in, for ``seconds``; it
records each request's latency (from the first byte written to the last byte read) and
whether it got a 2xx. One asyncio loop, no parsing beyond the status line and the body's
length: the client stays a small part of the machine's CPU, which the server needs."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class LoadResult:
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0  # a non-2xx answer or a broken connection
    first_error: str = ""

    @property
    def done(self) -> int:
        return len(self.latencies_ms)

    @property
    def rate(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0


def build_request(method: str, path: str, *, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: keep-alive"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """(status, whether the server will close the connection)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status, headers.get("connection", "").lower() == "close"


async def _client(port, requests, deadline, result: LoadResult, offset: int) -> None:
    reader = writer = None
    i = offset
    while time.perf_counter() < deadline:
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            started = time.perf_counter()
            writer.write(requests[i % len(requests)])
            i += 1
            status, close = await _read_response(reader)
            result.latencies_ms.append((time.perf_counter() - started) * 1000)
            result.statuses[status] = result.statuses.get(status, 0) + 1
            if not 200 <= status < 300:
                result.errors += 1
            if close:
                writer.close()
                writer = None
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
            result.errors += 1
            result.first_error = result.first_error or repr(exc)
            if writer is not None:
                writer.close()
            writer = None
            await asyncio.sleep(0.01)
    if writer is not None:
        writer.close()


def run_load(port: int, requests: list[bytes], *, clients: int, seconds: float) -> LoadResult:
    """``clients`` connections for ``seconds`` (stops itself), on 127.0.0.1 only."""

    async def main() -> LoadResult:
        result = LoadResult(seconds=seconds)
        started = time.perf_counter()
        deadline = started + seconds
        await asyncio.gather(*(_client(port, requests, deadline, result, n) for n in range(clients)))
        # The last answers arrive a little after the deadline: the rate is over the real span.
        result.seconds = time.perf_counter() - started
        return result

    return asyncio.run(main())


@dataclass
class Gunicorn:
    """A gunicorn serving daibiao on 127.0.0.1:``port`` with ``settings``, started and stopped
    by the benchmark."""

    root: Path
    port: int
    settings: str
    workers: int
    threads: int
    env: dict[str, str]
    process: subprocess.Popen | None = None

    @property
    def description(self) -> str:
        return f"gunicorn gthread, {self.workers} workers × {self.threads} threads"

    def start(self, timeout: float = 60.0) -> None:
        import socket

        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                raise RuntimeError(f"127.0.0.1:{self.port} is taken: choose another --port")
        command = [
            str(self.root / ".venv/bin/gunicorn"),
            "daibiao.wsgi:application",
            f"--bind=127.0.0.1:{self.port}",
            "--worker-class=gthread",
            f"--workers={self.workers}",
            f"--threads={self.threads}",
            "--keep-alive=75",
            "--timeout=120",
            "--log-level=warning",
            f"--pythonpath={self.root}",
            f"--env=DJANGO_SETTINGS_MODULE={self.settings}",
        ]
        env = {**os.environ, **self.env, "DJANGO_SETTINGS_MODULE": self.settings}
        self.process = subprocess.Popen(command, cwd=self.root, env=env, start_new_session=True)  # noqa: S603
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/v1/me/", timeout=2)
            except urllib.error.HTTPError:
                return  # 401/403: it answers
            except OSError:
                time.sleep(0.3)
            else:
                return
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s")

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The fields after the command name, which may hold spaces: state, then the parent.
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            if parent == self.process.pid:
                pids.append(int(entry.name))
        return sorted(pids)

    def worker_rss_mb(self) -> list[float]:
        """Each worker's resident memory (VmRSS) in MB."""
        sizes = []
        for pid in self.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            rss = [line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")]
            sizes += [int(kb) / 1024 for kb in rss]
        return sizes

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
