"""gunicorn settings for one daibiao app process (``gunicorn -c deploy/gunicorn.conf.py``).

Every value can be overridden from the environment (the systemd unit reads /etc/daibiao/env),
so one file serves every machine. See docs/deployment.md for how many processes to run."""

import ipaddress
import multiprocessing
import os

wsgi_app = "daibiao.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001").split(",")
# Processes × threads: Django releases the GIL while it waits on PostgreSQL, so a few threads
# per process serve more requests than more processes would, in less memory.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# A town's reports (.docx, .zip) are made by the worker; two minutes is for the slowest page.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# A process is replaced after this many requests: memory a long run gathers is given back.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")
proc_name = "daibiao-web"
# The proxies whose X-Forwarded-Proto (and X-Real-IP, below) are believed: nginx only.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")


def _trusted(networks):
    def trusted(addr: str) -> bool:
        try:
            ip = ipaddress.ip_address(addr)
        except ValueError:
            return False
        return any(ip in net for net in networks)

    return trusted


def _real_ip(app, trusted):
    """Behind nginx every request comes from nginx's address; the client's is in X-Real-IP,
    which nginx sets (overwriting what the client sent). REMOTE_ADDR is replaced only for
    requests that really come from a trusted proxy, so that the lock-out after failed logins,
    the portal's per-address limits and the change log see the client, and a client that talks
    to gunicorn directly cannot choose its own address."""

    def wrapped(environ, start_response):
        real = environ.get("HTTP_X_REAL_IP", "").strip()
        if real and trusted(environ.get("REMOTE_ADDR", "")):
            environ["REMOTE_ADDR"] = real
        return app(environ, start_response)

    return wrapped


def post_worker_init(worker):
    items = [item.strip() for item in forwarded_allow_ips.split(",") if item.strip()]
    if "*" in items:  # every peer is a proxy: only where the app port is reachable from nginx alone
        items = ["0.0.0.0/0", "::/0"]
    networks = [ipaddress.ip_network(item, strict=False) for item in items]
    worker.wsgi = _real_ip(worker.wsgi, _trusted(networks))
