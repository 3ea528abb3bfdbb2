"""Checks for the `vms` assignment (S1)."""

from __future__ import annotations

import psutil

from course.checks.feedback import call, expect


def guest_facts(fn, machine, exact: bool = False) -> None:
    """`guest_facts(machine)` reads kernel, memory and CPUs from inside the guest."""
    facts = call(fn, machine)
    expect(isinstance(facts, dict), f"`guest_facts` returned {type(facts).__name__}, not a dict.",
           'return {"kernel": ..., "memory_kb": ..., "cpus": ...}.')
    missing = {"kernel", "memory_kb", "cpus"} - set(facts)
    expect(not missing, f"the dictionary lacks {sorted(missing)}.", "use the keys kernel, memory_kb and cpus.")
    import os

    expect(facts["kernel"] != os.uname().release,
           f"kernel is {facts['kernel']!r}: that is the host's kernel, not the guest's.",
           'ask the guest: machine.run("uname -r").output.strip().')
    expect(isinstance(facts["memory_kb"], int) and isinstance(facts["cpus"], int),
           "memory_kb and cpus must be whole numbers (int).", "convert the text you read with int(...).")
    if exact:
        expect(facts["kernel"] == machine.kernel_release(),
               f"kernel is {facts['kernel']!r}, the guest says {machine.kernel_release()!r}.",
               "strip the newline from the output.")
        expect(facts["memory_kb"] == machine.memory_kb(),
               f"memory_kb is {facts['memory_kb']}, the guest's MemTotal is {machine.memory_kb()} kB.",
               "read the number on the MemTotal line of /proc/meminfo (in the guest, not the host).")
        expect(facts["cpus"] == machine.cpus(), f"cpus is {facts['cpus']}, the guest sees {machine.cpus()}.",
               'run "nproc" in the guest.')


def boot_configured(fn, memory_mb: int, cpus: int) -> None:
    """`boot_configured(memory_mb, cpus)` returns a running VM with that memory and CPUs."""
    machine = call(fn, memory_mb, cpus)
    try:
        expect(hasattr(machine, "run") and hasattr(machine, "memory_kb"),
               f"`boot_configured` returned {type(machine).__name__}, not a booted VM.",
               "return what vm.boot(memory_mb=..., cpus=...) gives you.")
        expect(machine.alive, "the VM is not running any more.", "return it without shutting it down.")
        seen = machine.memory_kb() / 1024
        # The guest kernel keeps about 50-60 MiB for itself: MemTotal is a little under what was asked.
        expect(memory_mb - 64 <= seen <= memory_mb,
               f"the guest sees {seen:.0f} MiB; asked for {memory_mb} MiB (it should see a little less).",
               "pass memory_mb=memory_mb to vm.boot.")
        expect(machine.cpus() == cpus, f"the guest sees {machine.cpus()} CPU(s); asked for {cpus}.",
               "pass cpus=cpus to vm.boot.")
    finally:
        if hasattr(machine, "shutdown"):
            machine.shutdown()


def process_count(fn, machine, against_host: bool = False) -> None:
    """`guest_process_count(machine)` counts the guest's processes, not the host's."""
    got = call(fn, machine)
    truth = len(machine.processes())
    host = len(psutil.pids())
    expect(isinstance(got, int), f"`guest_process_count` returned {got!r}, not an int.", "return len(...) - 1.")
    expect(got != host or truth == host,
           f"{got} is the number of processes on the host; the guest has its own, much shorter table.",
           'count the lines of machine.run("ps").output, minus the header line.')
    expect(abs(got - truth) <= 2, f"got {got}, but the guest's process table has {truth} processes.",
           "count the lines after the header of the guest's ps output.")
    if against_host:
        expect(got < host, f"the guest reports {got} processes, the host {host}: the guest should have fewer.",
               "make sure you run ps inside the guest.")
