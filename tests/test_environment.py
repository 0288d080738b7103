"""The run's environment: the processor and its instruction sets."""


import pytest

import helpers


def test_machine_info_reads_the_first_processor_and_its_recorded_instruction_sets(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(
        "processor\t: 0\nmodel name\t: Test CPU 9000\nflags\t\t: fpu sse2 avx2 fma avx512f avx512_vnni\n\n"
        "processor\t: 1\nmodel name\t: Other CPU\nflags\t\t: fpu\n"
    )
    info = helpers.study.machine_info(cpuinfo)
    assert info["processor"] == "Test CPU 9000"
    assert info["instruction_sets"] == ["avx2", "fma", "avx512f", "avx512_vnni"]
    assert info["logical_cpus"] >= 1


def test_machine_info_without_a_processor_description_leaves_instruction_sets_unknown(tmp_path):
    info = helpers.study.machine_info(tmp_path / "missing")
    assert info["instruction_sets"] is None and isinstance(info["processor"], str)


@pytest.mark.parametrize("instruction_sets, expected", [
    (["avx", "avx2", "fma", "avx512f"], "Test CPU, 4 logical CPUs, with AVX-512"),
    (["avx", "avx2", "fma"], "Test CPU, 4 logical CPUs, AVX2, no AVX-512"),
    (["avx"], "Test CPU, 4 logical CPUs, no AVX2"),
    (None, "Test CPU, 4 logical CPUs, instruction sets unknown"),
])
def test_describe_machine_names_the_vector_instructions(instruction_sets, expected):
    machine = {"processor": "Test CPU", "instruction_sets": instruction_sets, "logical_cpus": 4}
    assert helpers.study.describe_machine(machine) == expected
    assert helpers.study.describe_machine(None) == "processor not recorded"
