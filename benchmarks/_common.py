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
    if "amx_tile" in flags:  # Intel's matrix unit: with AVX-512 it marks Sapphire Rapids or newer
        isa += ", AMX"
    model, cpus = fields.get("Model name", "?").strip(), fields.get("CPU(s)", "?").strip()
    # The model name of a cloud CPU is often the bare brand ("AMD EPYC"); the family and model
    # numbers tell its generation, which decides the figures (the machine here has changed).
    family, number = fields.get("CPU family", "").strip(), fields.get("Model", "").strip()
    generation = _generation(fields.get("Vendor ID", "").strip(), family, number)
    ident = f" ({generation}, family {family} model {number})" if generation else (
        f" (family {family} model {number})" if family else "")
    return f"{model}{ident}, {cpus} CPUs, {isa}{_caches(fields)}"


def _caches(fields):
    """', L2 2 MiB per core, L3 105 MiB' from lscpu's cache lines (a virtual CPU's model number
    can be masked by its hypervisor; the cache sizes still tell the part apart)."""
    parts = []
    for level in ("L2", "L3"):
        text = fields.get(f"{level} cache", "").strip()  # e.g. "4 MiB (2 instances)"
        size, _, rest = text.partition(" (")
        instances = rest.split()[0] if rest else "1"
        if not size:
            continue
        words = size.split()  # ["4", "MiB"]; any other shape is printed as lscpu gives it
        if level == "L2" and len(words) == 2 and instances.isdigit() and int(instances) > 1:
            size = f"{float(words[0]) / int(instances):g} {words[1]} per core"
        parts.append(f"{level} {size}")
    return "".join(", " + p for p in parts)


def _generation(vendor, family, model):
    """AMD's core generation from the CPUID family and model, where they are known; else ''."""
    if vendor != "AuthenticAMD" or not (family.isdigit() and model.isdigit()):
        return ""
    family, model = int(family), int(model)
    if family == 23:
        return "Zen 2" if model >= 0x30 else "Zen or Zen+"
    if family == 25:
        zen4 = 0x10 <= model <= 0x1F or 0x60 <= model <= 0x7F or 0xA0 <= model <= 0xAF
        return "Zen 4" if zen4 else "Zen 3"
    if family == 26:
        return "Zen 5"
    return ""


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
