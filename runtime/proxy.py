"""nginx in front of several Rasa replicas on one machine, as a load balancer would be.

`Stack(replicas=2)` runs the replicas on free loopback ports and this nginx on RASA_PORT, so
clients see one Rasa. A message is retried on the next replica when the first fails before
answering (`non_idempotent`): a replica that dies mid-message has not saved the turn
(Rasa saves the tracker after the whole turn), so the retry processes it once; one that
died after saving but before answering is recognised by the request id nginx keeps across
the retry (connectors/rest.py), and the saved answer is returned. The Redis lock store keeps
one sender's messages in order across replicas.
"""

from __future__ import annotations

import shutil
from pathlib import Path

TEMPLATE = """\
worker_processes 1;
daemon off;
pid {run}/nginx.pid;
error_log {run}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {run}/tmp/body;
    proxy_temp_path {run}/tmp/proxy;
    fastcgi_temp_path {run}/tmp/fastcgi;
    uwsgi_temp_path {run}/tmp/uwsgi;
    scgi_temp_path {run}/tmp/scgi;
    client_max_body_size 1m;          # the REST channel answers 413 itself above 64 KB
    client_body_buffer_size 1m;       # keep bodies in memory: no temp files
    upstream rasa {{
{servers}
        keepalive 64;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://rasa;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            # kept across retries: a replica answers a retried message from the saved turn
            proxy_set_header X-Request-ID $request_id;
            # the client, for the REST channel's per-address limits (with TRUSTED_PROXIES)
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_connect_timeout 2s;
            proxy_read_timeout 120s;
            proxy_next_upstream error timeout http_502 non_idempotent;
            proxy_next_upstream_tries 3;
        }}
    }}
}}
"""


def nginx_binary() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None)
    if not found:
        raise RuntimeError("nginx not found: install it (`make services`) to run replicas")
    return found


def write_config(run_dir: Path, port: int, upstream_ports: list[int]) -> Path:
    """The config for a load balancer on `port`; its own temp and pid files in run_dir."""
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (run_dir / "tmp" / sub).mkdir(parents=True, exist_ok=True)
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;"
                        for p in upstream_ports)
    conf = run_dir / "nginx.conf"
    conf.write_text(TEMPLATE.format(run=run_dir, port=port, servers=servers), encoding="utf-8")
    return conf
