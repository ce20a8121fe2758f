"""`make run`: the whole of Wegweiser on this machine, stopped by Ctrl-C.

Starts moto in server mode (unless AWS_ENDPOINT_URL names an endpoint), creates the
table, queues and sender identity there, serves the app with `chalice local`, runs
the local delivery worker (with the sweep and the clock's schedule) and serves the
dev outbox. Everything it starts, it stops.

The dev controls (README, "make run"): one dev clock for app, worker and outbox
(a file of its offset, DEV_CLOCK_FILE; DEV_CLOCK_START=<ISO 8601> sets where it
starts, the outbox's POST /clock moves it), the SES mailbox simulator
(devstack/ses_simulator.py), and ROUTING_FILE=path: that file, checked first as
`wegweiser check --stage dev` checks it, served from an S3 object in the emulator
through ROUTING_SOURCE, the deployed stack's own path.
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
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from threading import Thread

from chalicelib.dev_clock import DevClock

PROJECT_DIR = Path(__file__).resolve().parent.parent
STAGE = "dev"
REGION = "eu-central-1"
# Seconds before a failed delivery is tried again locally: longer than a batch of ten
# takes under `make load`, so a slow batch is not received twice.
LOCAL_VISIBILITY_TIMEOUT = 30
# Where ROUTING_FILE is served from, in the emulator's S3.
ROUTING_BUCKET = "wegweiser-dev-routing"
ROUTING_KEY = "routing.toml"
ROUTING_CACHE_SECONDS = "1"  # app and worker see an edited ROUTING_FILE within a second or two


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


def clock_start(text: str | None) -> datetime | None:
    """DEV_CLOCK_START: where the dev clock starts; None for now. ValueError says why not."""
    if text is None or not text.strip():
        return None
    example = "write it like 2026-12-01T09:00:00+01:00"
    try:
        start = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO 8601 time: {example}") from None
    if start.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset: {example} (or …Z for UTC)")
    return start


def check_routing_file(path: Path) -> bool:
    """`wegweiser check --stage dev PATH`, in this process: it prints what it finds."""
    from chalicelib.admin import cli

    try:
        return cli.main(["check", "--stage", STAGE, str(path)]) == cli.OK
    except SystemExit as stopped:  # argparse's own exit: never for these fixed arguments
        return stopped.code == cli.OK
    finally:
        sys.stdout.flush()
        sys.stderr.flush()


def watch_routing_file(path: Path, upload: Callable[[], object],
                       stop: threading.Event) -> Thread:
    """While the stack runs: an edited ROUTING_FILE is checked again and, when good,
    served (the app reads it within ROUTING_CACHE_SECONDS); a broken edit is not."""

    def seen() -> tuple[int, int] | None:
        try:
            status = path.stat()
        except OSError:
            return None
        return status.st_mtime_ns, status.st_size

    def run() -> None:
        last = seen()
        while not stop.wait(1.0):
            now = seen()
            if now == last or now is None:
                continue
            last = now
            print(f"Routing: {path} changed; checking it", flush=True)
            try:
                if check_routing_file(path):
                    upload()
                    print(f"Routing: {path} served again", flush=True)
                else:
                    print(f"Routing: {path} has problems; still serving the last good one",
                          flush=True)
            except Exception as error:  # the runner outlives a failed upload
                print(f"Routing: {path} not served again: {error}", flush=True)

    thread = Thread(target=run, name="routing-file", daemon=True)
    thread.start()
    return thread


def configure_environment(
    endpoint_url: str,
    *,
    dev_clock_file: Path | None = None,
    routing_source: str | None = None,
) -> dict[str, str]:
    """This process's environment as the dev stage's Lambda would see it: `chalice local`
    gets the same, so app and worker read one dev clock and one routing source."""
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
    if dev_clock_file is not None:
        env["DEV_CLOCK_FILE"] = str(dev_clock_file)
    if routing_source is not None:
        env["ROUTING_SOURCE"] = routing_source
        env.setdefault("ROUTING_CACHE_SECONDS", ROUTING_CACHE_SECONDS)
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

    # Before anything starts: a broken routing file or clock start stops it here.
    routing_file = Path(os.environ["ROUTING_FILE"]).resolve() if os.environ.get(
        "ROUTING_FILE") else None
    if routing_file is not None and not check_routing_file(routing_file):
        print(f"make run: ROUTING_FILE={os.environ['ROUTING_FILE']} has problems (above); "
              "nothing was started", file=sys.stderr, flush=True)
        return 1
    try:
        start = clock_start(os.environ.get("DEV_CLOCK_START"))
    except ValueError as error:
        print(f"make run: DEV_CLOCK_START: {error}; nothing was started", file=sys.stderr,
              flush=True)
        return 1

    with ExitStack() as stack:
        # The dev clock's offset, in a file app and worker both read (chalicelib/dev_clock.py).
        clock_dir = Path(stack.enter_context(
            tempfile.TemporaryDirectory(prefix="wegweiser-dev-clock-")))
        clock = DevClock(clock_dir / "offset")
        clock.set_offset(start - datetime.now(UTC) if start is not None else timedelta())

        endpoint_url = stack.enter_context(emulator(os.environ.get("AWS_ENDPOINT_URL")))
        routing_source = f"s3://{ROUTING_BUCKET}/{ROUTING_KEY}" if routing_file else None
        env = configure_environment(endpoint_url, dev_clock_file=clock_dir / "offset",
                                    routing_source=routing_source)

        from chalicelib.aws import clients as aws_clients
        from chalicelib.settings import Settings
        from devstack import resources
        from devstack.outbox import DevControls, inquiry_records, serve_outbox
        from devstack.ses_simulator import SesSimulator
        from devstack.worker import LocalWorker

        settings = Settings.from_environ()
        resources.ensure_table(aws_clients.dynamodb(), settings.table_name)
        queue_url = resources.ensure_queues(
            aws_clients.sqs(), settings.queue_name, LOCAL_VISIBILITY_TIMEOUT
        )
        resources.ensure_sender(aws_clients.sesv2(), settings.sender_email)
        if routing_file is not None:
            served_file = routing_file

            def upload() -> str:
                return resources.put_routing_object(
                    aws_clients.s3(), ROUTING_BUCKET, ROUTING_KEY,
                    served_file.read_text(encoding="utf-8"), env["AWS_DEFAULT_REGION"])

            upload()
            watching = threading.Event()
            stack.callback(watching.set)
            watch_routing_file(routing_file, upload, watching)

        server = stack.enter_context(chalice_local(port, env))

        sys.path.insert(0, str(PROJECT_DIR))
        import app

        # Mail to the simulator's addresses comes back as SES would report it.
        simulator = SesSimulator(app.record_ses_feedback, clock, env["AWS_DEFAULT_REGION"])
        simulator.attach(aws_clients.sesv2())
        stack.callback(simulator.stop)

        worker = LocalWorker(aws_clients.sqs(), queue_url, app.deliver_inquiries,
                             app.sweep_stalled, clock=app.remind_and_escalate,
                             report=app.send_monthly_report,
                             threads=int(os.environ.get("LOCAL_WORKERS", "2")), now=clock)
        worker.start()
        stack.callback(worker.stop)

        table_name = settings.table_name
        outbox = serve_outbox(
            endpoint_url, outbox_port, DevControls(clock, worker, simulator),
            lambda: inquiry_records(aws_clients.dynamodb(), table_name))
        Thread(target=outbox.serve_forever, name="outbox", daemon=True).start()
        stack.callback(outbox.shutdown)

        try:  # from the first line printed: a runner that printed its URLs can be stopped
            print(f"Wegweiser form:  http://127.0.0.1:{port}/", flush=True)
            print(f"Dev outbox:      http://127.0.0.1:{outbox_port}/", flush=True)
            print(f"AWS emulator:    {endpoint_url}", flush=True)
            # `wegweiser stats` in another shell reads this table with these lines.
            print(f"Statistics:      export AWS_ENDPOINT_URL={endpoint_url} "
                  f"AWS_DEFAULT_REGION={env['AWS_DEFAULT_REGION']} "
                  f"AWS_ACCESS_KEY_ID={env['AWS_ACCESS_KEY_ID']} "
                  f"AWS_SECRET_ACCESS_KEY={env['AWS_SECRET_ACCESS_KEY']} "
                  f"INQUIRY_TABLE={settings.table_name}", flush=True)
            print("                 then: .venv/bin/wegweiser stats", flush=True)
            print(f"Dev clock:       {clock().isoformat(timespec='seconds')} "
                  f"(GET/POST http://127.0.0.1:{outbox_port}/clock)", flush=True)
            if routing_file is not None:
                print(f"Routing:         {routing_file} (ROUTING_FILE, checked), "
                      f"served from {routing_source}", flush=True)
            else:
                print("Routing:         the bundled chalicelib/routing.toml", flush=True)
            print("Press Ctrl-C to stop.", flush=True)
            server.wait()
        except KeyboardInterrupt:
            print("\nStopping…", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
