"""`make run`: the whole of Wegweiser on this machine, stopped by Ctrl-C.

Starts moto in server mode (unless AWS_ENDPOINT_URL names an endpoint), creates the
table, queues and sender identity there, serves the app with `chalice local`, runs
the local delivery worker (with the sweep and the clock's schedule) and serves the
dev outbox. Everything it starts, it stops.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from threading import Thread

PROJECT_DIR = Path(__file__).resolve().parent.parent
STAGE = "dev"
REGION = "eu-central-1"
# Seconds before a failed delivery is tried again locally: longer than a batch of ten
# takes under `make load`, so a slow batch is not received twice.
LOCAL_VISIBILITY_TIMEOUT = 30


def stage_environment(stage: str) -> dict[str, str]:
    """The environment variables .chalice/config.json gives a stage (global, then stage)."""
    config = json.loads((PROJECT_DIR / ".chalice" / "config.json").read_text())
    env = dict(config.get("environment_variables", {}))
    env.update(config["stages"][stage].get("environment_variables", {}))
    return env


@contextmanager
def emulator(endpoint_url: str | None) -> Iterator[str]:
    """The AWS endpoint to use: the given one, or an embedded moto server."""
    if endpoint_url:
        yield endpoint_url
        return
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto logs every request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"chalice local stopped (exit {process.returncode})")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"chalice local did not open port {port} within {timeout:.0f} s")


@contextmanager
def chalice_local(port: int, env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    chalice = Path(sys.executable).with_name("chalice")
    process = subprocess.Popen(  # noqa: S603 - our own venv's chalice, fixed arguments
        [str(chalice), "local", "--host", "127.0.0.1", "--port", str(port),
         "--stage", STAGE, "--no-autoreload"],
        cwd=PROJECT_DIR,
        env=env,
    )
    try:
        wait_for_port(port, process)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def configure_environment(endpoint_url: str) -> dict[str, str]:
    """This process's environment as the dev stage's Lambda would see it."""
    env = dict(os.environ)
    # moto accepts any credentials; a real endpoint keeps the caller's own.
    env.setdefault("AWS_ACCESS_KEY_ID", "local")
    env.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    env.setdefault("AWS_DEFAULT_REGION", REGION)
    env["AWS_ENDPOINT_URL"] = endpoint_url
    # A throwaway secret per run: tokens of a previous run are refused (and renewed).
    env.setdefault("FORM_TOKEN_SECRET", secrets.token_urlsafe(32))
    env.setdefault("MIN_FILL_SECONDS", "1")
    # Locally every request comes from 127.0.0.1: one "client" for all the testing.
    env.setdefault("RATE_LIMIT_PER_HOUR", "1000")
    # One developer tries the form with one address, many times a day.
    env.setdefault("CONFIRMATIONS_PER_DAY", "1000")
    env.update(stage_environment(STAGE))
    # The emails' claim links lead to this run's app, on whichever port it serves.
    env["PUBLIC_URL"] = f"http://127.0.0.1:{env.get('PORT', '8000')}/"
    os.environ.update(env)
    return env


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    logging.getLogger("botocore").setLevel(logging.WARNING)
    port = int(os.environ.get("PORT", "8000"))
    outbox_port = int(os.environ.get("OUTBOX_PORT", str(port + 1)))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    # A parent started in the background (`cmd &` in a script, nohup) hands down an
    # ignored SIGINT; Ctrl-C and RunningStack.stop() must still stop everything.
    signal.signal(signal.SIGINT, signal.default_int_handler)

    with ExitStack() as stack:
        endpoint_url = stack.enter_context(emulator(os.environ.get("AWS_ENDPOINT_URL")))
        env = configure_environment(endpoint_url)

        from chalicelib.aws import clients as aws_clients
        from chalicelib.settings import Settings
        from devstack import resources
        from devstack.outbox import serve_outbox
        from devstack.worker import LocalWorker

        settings = Settings.from_environ()
        resources.ensure_table(aws_clients.dynamodb(), settings.table_name)
        queue_url = resources.ensure_queues(
            aws_clients.sqs(), settings.queue_name, LOCAL_VISIBILITY_TIMEOUT
        )
        resources.ensure_sender(aws_clients.sesv2(), settings.sender_email)

        server = stack.enter_context(chalice_local(port, env))

        sys.path.insert(0, str(PROJECT_DIR))
        import app

        worker = LocalWorker(aws_clients.sqs(), queue_url, app.deliver_inquiries,
                             app.sweep_stalled, clock=app.remind_and_escalate,
                             threads=int(os.environ.get("LOCAL_WORKERS", "2")))
        worker.start()
        stack.callback(worker.stop)

        outbox = serve_outbox(endpoint_url, outbox_port)
        Thread(target=outbox.serve_forever, name="outbox", daemon=True).start()
        stack.callback(outbox.shutdown)

        print(f"Wegweiser form:  http://127.0.0.1:{port}/", flush=True)
        print(f"Dev outbox:      http://127.0.0.1:{outbox_port}/", flush=True)
        print(f"AWS emulator:    {endpoint_url}", flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        try:
            server.wait()
        except KeyboardInterrupt:
            print("\nStopping…", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
