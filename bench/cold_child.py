"""One cold Lambda container as a fresh process: import `app`, call its handlers, report.

Run by path, never imported: `python bench/cold_child.py APP_DIR < invocations.json`,
so that nothing but the standard library's preloaded modules exists before the clock
starts. It imports the module `app` from APP_DIR (Wegweiser's project directory, or
bench/floor_app), calls each handler with its event as the Lambda runtime does
(`app.app(event, context)` for API Gateway, `app.deliver_inquiries(event, context)`
for SQS), and prints one JSON line: seconds from the import to the last answer, the
peak RSS, the answers, and the boto3 clients that exist at the end.

No test client: chalice.test imports chalice's CLI, and with it botocore, inquirer
and blessed. Here that added about 85 ms and 11 MiB to every cold process, ours and
the floor's, which Lambda never pays; and by loading botocore early it hides the
very import costs the cold rows are there to show.

The peak RSS is the kernel's VmHWM of this process's memory, not getrusage's
ru_maxrss: Linux carries ru_maxrss over from the process that forked us, so a child
of a big parent would report the parent's peak.

Only modules Python has loaded before any script runs are imported before the clock
starts (gc and time are built into the interpreter).
"""

import gc
import importlib
import sys
import time


class LambdaContext:
    """The attributes of the Lambda runtime's context object that handlers may read."""

    def __init__(self, function_name: str) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = ""
        self.memory_limit_in_mb = 128
        self.aws_request_id = "bench"
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def peak_rss_mib() -> float:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def boto3_clients() -> list[str]:
    """The service of every botocore client alive now, sorted."""
    client_module = sys.modules.get("botocore.client")
    if client_module is None:
        return []
    base = client_module.BaseClient
    return sorted(thing.meta.service_model.service_name
                  for thing in gc.get_objects() if isinstance(thing, base))


def main() -> None:
    app_dir = sys.argv[1]
    invocations = sys.stdin.read()
    sys.path[0] = app_dir  # instead of this script's directory: `app` comes from APP_DIR

    start = time.perf_counter()
    import json

    app = importlib.import_module("app")
    answers: list[object] = [
        getattr(app, handler)(event, LambdaContext(handler))
        for handler, event in json.loads(invocations)
    ]
    seconds = time.perf_counter() - start

    print(json.dumps({
        "seconds": seconds,
        "peak_rss_mib": peak_rss_mib(),
        "answers": answers,
        "clients": boto3_clients(),
        "module": app.__file__,
    }))


if __name__ == "__main__":
    main()
