"""The run's environment: library versions and the processor, recorded beside every result."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["library_versions", "RECORDED_INSTRUCTION_SETS", "machine_info", "describe_machine", "environment_summary", "describe_environment"]


def library_versions() -> dict[str, str]:
    """Versions of Python and the libraries the study depends on."""
    import platform
    from importlib import metadata

    versions = {"python": platform.python_version()}
    for package in ("numpy", "scipy", "scikit-learn", "keras", "matplotlib", "seaborn", "umap-learn"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    for package in ("tensorflow-cpu", "tensorflow"):
        try:
            versions["tensorflow"] = metadata.version(package)
            break
        except metadata.PackageNotFoundError:
            continue
    return versions


# The instruction sets that decide which kernels TensorFlow (oneDNN) and the BLAS libraries run, and so the
# speed and the floating-point rounding of a run: the README compares machines with and without AVX-512.
RECORDED_INSTRUCTION_SETS = ("avx", "avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx512_bf16", "amx_tile")


def machine_info(cpuinfo_path: str | Path = "/proc/cpuinfo") -> dict[str, Any]:
    """The processor a run executes on, for results.json.

    Parameters
    ----------
    cpuinfo_path : str or pathlib.Path
        Linux's processor description; where it does not exist (other systems), the processor's name comes from
        :func:`platform.processor` and the instruction sets are unknown.

    Returns
    -------
    dict
        ``processor`` (model name), ``instruction_sets`` (those of :data:`RECORDED_INSTRUCTION_SETS` the processor
        has, in that order; ``None`` when unknown), ``logical_cpus`` (``os.cpu_count()``) and ``platform``.
    """
    import platform

    path = Path(cpuinfo_path)
    processor, flags = platform.processor() or "unknown", None
    if path.is_file():
        fields: dict[str, str] = {}
        for line in path.read_text(errors="replace").splitlines():
            key, separator, value = line.partition(":")
            if separator and key.strip() not in fields:  # the first processor describes them all
                fields[key.strip()] = value.strip()
        processor = fields.get("model name", processor)
        # x86 calls them "flags", ARM "Features".
        flags = set((fields.get("flags") or fields.get("Features") or "").split())
    return {
        "processor": processor,
        "instruction_sets": None if flags is None else [name for name in RECORDED_INSTRUCTION_SETS if name in flags],
        "logical_cpus": os.cpu_count(),
        "platform": platform.platform(),
    }


def describe_machine(machine: Mapping[str, Any] | None) -> str:
    """One line on the processor recorded by :func:`machine_info`, for the README and the report.

    Parameters
    ----------
    machine : mapping or None
        ``results["machine"]``; ``None`` or empty for runs that did not record it.

    Returns
    -------
    str
        E.g. ``"AMD EPYC, 2 logical CPUs, with AVX-512"``; ``"processor not recorded"`` without a record.
    """
    if not machine:
        return "processor not recorded"
    instruction_sets = machine.get("instruction_sets")
    if instruction_sets is None:
        vector_unit = "instruction sets unknown"
    elif "avx512f" in instruction_sets:
        vector_unit = "with AVX-512"
    elif "avx2" in instruction_sets:
        vector_unit = "AVX2, no AVX-512"
    else:
        vector_unit = "no AVX2"
    return f"{machine.get('processor', 'unknown processor')}, {machine.get('logical_cpus', '?')} logical CPUs, {vector_unit}"


def environment_summary() -> dict[str, Any]:
    """What a run records of where it ran: ``versions``, ``device`` ("GPU" or "CPU", as Keras trains) and ``machine``."""
    import tensorflow as tf

    devices = [device.device_type for device in tf.config.list_physical_devices()]
    return {"versions": library_versions(), "device": "GPU" if "GPU" in devices else "CPU", "machine": machine_info()}


def describe_environment(environment: Mapping[str, Any]) -> str:
    """Three lines on an :func:`environment_summary`: the versions, the device Keras trains on, the processor."""
    machine = environment["machine"]
    return "\n".join((
        "Versions: " + ", ".join(f"{name} {version}" for name, version in environment["versions"].items()),
        f"Keras trains on: {environment['device']}",
        f"Processor: {machine['processor']} ({machine['logical_cpus']} logical CPUs; instruction sets: {machine['instruction_sets']})",
    ))
