"""`braingain viz`: start the classroom app (braingain/app.py) with Solara's server.

The server runs in production mode (no file watching) on loopback unless told otherwise, with
Solara's version check and usage telemetry off: a classroom laptop may be offline, and the app
must neither wait for nor report to the internet. Every front-end file (JavaScript, CSS, fonts,
icons) comes from the installed `solara-assets` package.
"""

from __future__ import annotations

import errno
import os
import socket
import sys

from experiments.errors import UserError

LOOPBACK = ("127.0.0.1", "localhost", "::1")
WORLD_VARIABLE = "BRAINGAIN_WORLD"  # read by braingain.app


def check_port_free(host: str, port: int) -> None:
    """Raise UserError (one line) if nothing can listen on host:port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise UserError(
                    f"--port {port}: {host}:{port} is already in use (another app or an "
                    "earlier `braingain viz`?); allowed: a free port, e.g. --port "
                    f"{free_port(host)}"
                ) from None
            raise UserError(
                f"--host {host}: cannot listen there ({exc.strerror}); allowed: an address of "
                "this machine, e.g. 127.0.0.1"
            ) from None


def free_port(host: str = "127.0.0.1") -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


SOLARA_COOKIE_WARNING = "Cookies with samesite=none require https"


def server_environment(world: str) -> dict[str, str]:
    env = dict(os.environ)
    env[WORLD_VARIABLE] = world
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    # Solara warns on every first page load from 127.0.0.1 that cross-site cookies need https
    # and falls back to same-site cookies, which is all a classroom app (not embedded in another
    # site's iframe) needs: the 12-line warning only alarmed teachers
    warnings = [env.get("PYTHONWARNINGS", ""), f"ignore:{SOLARA_COOKIE_WARNING}:UserWarning"]
    env["PYTHONWARNINGS"] = ",".join(w for w in warnings if w)
    return env


def server_command(host: str, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        "braingain.app",
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-check-version",
        "--no-open",
        "--log-level",
        "warning",
    ]


def serve(world: str, host: str, port: int) -> int:
    """Check the port, then become the Solara server (exec: the same process id, so Ctrl-C and
    a SIGTERM from whoever started `braingain viz` stop the server itself, leaving no orphan).
    Returns only if the server cannot be started."""
    check_port_free(host, port)
    shown = f"[{host}]" if ":" in host else host
    print(f"braingain classroom app ({world} world): open http://{shown}:{port} in a browser")
    if host not in LOOPBACK:
        print(f"note: listening on {host}: other machines on the network can open it too")
    print("each browser tab runs its own model; Ctrl-C stops the server", flush=True)
    sys.stderr.flush()
    command = server_command(host, port)
    os.execve(command[0], command, server_environment(world))
    return 1  # not reached: execve replaces this process or raises OSError
