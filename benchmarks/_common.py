"""What both benchmarks share: each measurement runs in a fresh process and reports one JSON line."""
import json
import subprocess
import sys


def run_child(script, *args):
    """Run ``python script *args`` and return the JSON object on its last line of output."""
    out = subprocess.run([sys.executable, script, *args], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{args} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])
