"""What every benchmark shares: each measurement runs in a fresh process and reports one JSON line,
and every table names the CPU it was measured on."""
import json
import subprocess
import sys


def run_child(script, *args, python=None, env=None):
    """Run ``python script *args`` and return the JSON object on its last line of output.

    ``python`` defaults to this interpreter (another one runs a tool in its own virtual
    environment); ``env`` to this process's environment.
    """
    out = subprocess.run([python or sys.executable, script, *args], capture_output=True,
                         text=True, env=env)
    if out.returncode != 0:
        raise RuntimeError(f"{args} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def cpu_model():
    """The CPU as ``lscpu`` names it, with its core count and vector ISA (for every table)."""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    except OSError:
        return "unknown CPU (lscpu not found)"
    fields = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
    flags = fields.get("Flags", "").split()
    isa = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "no AVX2"
    model, cpus = fields.get("Model name", "?").strip(), fields.get("CPU(s)", "?").strip()
    return f"{model}, {cpus} CPUs, {isa}"


def write_result(result, path):
    """Print ``result["markdown"]`` and write ``result`` as JSON to ``path`` (the file a chapter
    reads), creating its folder."""
    import os

    print()
    print(result["markdown"])
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf8") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    print(f"\nwritten to {path} ({result['seconds']:.0f} s)")
