"""Fill in deploy/nginx.conf.template.

    python deploy/render_nginx.py --server-name daibiao.example.org \
        --upstream 10.0.0.11:8001 --upstream 10.0.0.12:8001 \
        --static-root /srv/daibiao/static \
        --tls-cert /etc/letsencrypt/live/daibiao.example.org/fullchain.pem \
        --tls-key /etc/letsencrypt/live/daibiao.example.org/privkey.pem \
        > /etc/nginx/conf.d/daibiao.conf

Without --tls-cert it renders a plain-HTTP server (the local smoke test; production always
has TLS, since the production settings set secure cookies and HSTS)."""

import argparse
import sys
from pathlib import Path

TEMPLATE = Path(__file__).with_name("nginx.conf.template")

TLS = """    ssl_certificate {cert};
    ssl_certificate_key {key};
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:daibiao_tls:10m;
    ssl_session_timeout 1d;
"""

REDIRECT = """server {{
    listen 80;
    server_name {name};
    location / {{
        return 301 https://$host$request_uri;
    }}
}}
"""


def render(args) -> str:
    tls = bool(args.tls_cert)
    if tls != bool(args.tls_key):
        raise SystemExit("--tls-cert and --tls-key go together")
    servers = "\n".join(f"    server {item} max_fails=3 fail_timeout=10s;" for item in args.upstream)
    values = {
        "UPSTREAM_SERVERS": servers,
        "REDIRECT_SERVER": REDIRECT.format(name=args.server_name) if tls else "",
        "LISTEN": args.listen or ("443 ssl http2" if tls else "80"),
        "SERVER_NAME": args.server_name,
        "TLS": TLS.format(cert=args.tls_cert, key=args.tls_key) if tls else "",
        "CLIENT_MAX_BODY": args.client_max_body,
        "STATIC_ROOT": str(Path(args.static_root).resolve()).rstrip("/"),
        "FORWARDED_PROTO": "$scheme",
        "DEBUG_HEADERS": (
            "        add_header X-Daibiao-Upstream $upstream_addr always;" if args.debug_headers else ""
        ),
    }
    text = TEMPLATE.read_text()
    for name, value in values.items():
        text = text.replace(f"@{name}@", value)
    if "@" in "".join(line for line in text.splitlines() if not line.lstrip().startswith("#")):
        raise SystemExit("a placeholder was left unfilled")
    return text


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--server-name", required=True)
    parser.add_argument("--upstream", action="append", required=True, help="host:port of an app process")
    parser.add_argument("--static-root", required=True, help="STATIC_ROOT of collectstatic")
    parser.add_argument("--listen", help="default: 443 ssl http2 with TLS, 80 without")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--client-max-body", default="200m")
    parser.add_argument("--debug-headers", action="store_true", help="say which app process answered")
    sys.stdout.write(render(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
