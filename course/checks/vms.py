"""Checks for the `vms` assignment (S1)."""

from __future__ import annotations

import numbers
import re
import time

import psutil

from course import lab
from course.checks.feedback import Feedback, call, expect
from course.i18n import translator
from course.lab import variant

_ = translator("vms")

#: The guest's /proc/uptime is read to 0.01 s, and an answer may round it to a whole second.
UPTIME_SLACK_S = 1.0


def guest_facts(fn, machine, exact: bool = False) -> None:
    """`guest_facts(machine)` reads kernel, memory, CPUs and uptime from inside the guest.

    The kernel release alone cannot show whose kernel answered: a host running the same
    Debian kernel package prints the same release. The uptime can: the guest's kernel
    booted after the host's, so it has been up for less time, on every host.
    """
    # Just after the boot the guest's uptime is about as long as the boot took (boot_seconds):
    # wait until the two lie apart, so that an answer giving one for the other is told apart.
    deadline = time.monotonic() + 10
    while machine.uptime_s() < machine.boot_seconds + 3 * UPTIME_SLACK_S and time.monotonic() < deadline:
        time.sleep(0.25)
    before = machine.uptime_s()
    facts = call(fn, machine)
    after = machine.uptime_s()
    # Translators: {kind} is a Python type's name (list, str, NoneType).
    expect(isinstance(facts, dict), _("`guest_facts` returned {kind}, not a dict.").format(kind=type(facts).__name__),
           _('return {"kernel": ..., "memory_kb": ..., "cpus": ..., "uptime_s": ...}.'))
    missing = {"kernel", "memory_kb", "cpus", "uptime_s"} - set(facts)
    # Translators: {keys} is a Python list of the missing keys, e.g. ['cpus', 'uptime_s'].
    expect(not missing, _("the dictionary lacks {keys}.").format(keys=sorted(missing)),
           _("use the keys kernel, memory_kb, cpus and uptime_s."))
    guest_kernel, host_kernel = machine.kernel_release(), lab.host_kernel()
    kernel = facts["kernel"]
    expect(not (kernel == host_kernel != guest_kernel),
           # Translators: {kernel!r} and {guest_kernel!r} are kernel releases in quotes, e.g. '6.1.0-18-amd64'.
           _("kernel is {kernel!r}: that is the host's kernel, not the guest's ({guest_kernel!r}).").format(
               kernel=kernel, guest_kernel=guest_kernel),
           _('ask the guest: machine.run("uname -r").output.strip().'))
    for key in ("memory_kb", "cpus"):
        value = facts[key]
        expect(isinstance(value, numbers.Integral) and not isinstance(value, bool),
               # Translators: {key} is the dictionary's key (memory_kb or cpus), {value!r} the learner's value.
               _("{key} is {value!r}: it must be a whole number (int).").format(key=key, value=value),
               _("convert the text you read with int(...)."))
    uptime = facts["uptime_s"]
    expect(isinstance(uptime, numbers.Real) and not isinstance(uptime, bool),
           _("uptime_s is {uptime!r}, not a number of seconds.").format(uptime=uptime),
           _('convert the first number of the guest\'s /proc/uptime with float(...).'))
    if not before - UPTIME_SLACK_S <= uptime <= after + UPTIME_SLACK_S:
        host_uptime = lab.host_uptime_s()
        if abs(uptime - host_uptime) <= 5 and host_uptime > after + 5:
            # Translators: {uptime:.0f} is the learner's answer, {after:.0f} the guest's uptime, in seconds.
            raise Feedback(_("uptime_s is {uptime:.0f} s: that is how long the host's kernel has been up; "
                             "the guest's booted {after:.0f} s ago.").format(uptime=uptime, after=after),
                           _('read /proc/uptime in the guest: machine.run("cat /proc/uptime").'))
        if abs(uptime - machine.boot_seconds) < 0.01:
            # Translators: {uptime:.2f} is the learner's answer (the boot's duration), {after:.0f} the
            # guest's uptime, in seconds.
            raise Feedback(_("uptime_s is {uptime:.2f} s: that is how long the boot took (machine.boot_seconds, "
                             "measured on the host); the guest's kernel has been up {after:.0f} s by now.").format(
                                 uptime=uptime, after=after),
                           _("ask the guest's kernel itself: the first number in its /proc/uptime."))
        # Translators: {before:.1f}-{after:.1f} is the range of the guest's uptime, in seconds, while the
        # learner's function ran.
        raise Feedback(_("uptime_s is {uptime!r}, but the guest's kernel has been up {before:.1f}-{after:.1f} s."
                         ).format(uptime=uptime, before=before, after=after),
                       _("take the first of the two numbers in the guest's /proc/uptime (seconds since it booted)."))
    if exact:
        expect(kernel == guest_kernel,
               _("kernel is {kernel!r}, the guest says {guest_kernel!r}.").format(
                   kernel=kernel, guest_kernel=guest_kernel),
               _("strip the newline from the output."))
        memory_kb, guest_memory_kb = facts["memory_kb"], machine.memory_kb()
        expect(memory_kb == guest_memory_kb,
               _("memory_kb is {memory_kb}, the guest's MemTotal is {guest_memory_kb} kB.").format(
                   memory_kb=memory_kb, guest_memory_kb=guest_memory_kb),
               _("read the number on the MemTotal line of /proc/meminfo (in the guest, not the host)."))
        cpus, guest_cpus = facts["cpus"], machine.cpus()
        expect(cpus == guest_cpus,
               _("cpus is {cpus}, the guest sees {guest_cpus}.").format(cpus=cpus, guest_cpus=guest_cpus),
               _('run "nproc" in the guest.'))


def _expect_configured(machine, memory_mb: int, cpus: int, mine: bool) -> None:
    """``machine`` is a running VM whose guest sees ``memory_mb`` (a little less) and ``cpus``; ``mine``
    when it is the learner's own ``my_machine`` (their exercise asked for those values), else what
    ``boot_configured`` returned (the test asked). Each case has whole sentences, for translators."""
    kind = type(machine).__name__
    expect(hasattr(machine, "run") and hasattr(machine, "memory_kb"),
           # Translators: {kind} is a Python type's name (NoneType, str...).
           (_("`my_machine` is {kind}, not a booted VM.") if mine
            else _("what `boot_configured` returned is {kind}, not a booted VM.")).format(kind=kind),
           _("return what vm.boot(memory_mb=..., cpus=...) gives you."))
    expect(machine.alive, _("the VM is not running any more."), _("return it without shutting it down."))
    seen = machine.memory_kb() / 1024
    # The guest kernel keeps about 50-60 MiB for itself: MemTotal is a little under what was asked.
    expect(memory_mb - 64 <= seen <= memory_mb,
           # Translators: {seen:.0f} is the memory the guest sees, {memory_mb} what was asked for, in MiB.
           (_("the guest sees {seen:.0f} MiB; your exercise asks for {memory_mb} MiB "
              "(it should see a little less).") if mine
            else _("the guest sees {seen:.0f} MiB; asked for {memory_mb} MiB (it should see a little less).")
            ).format(seen=seen, memory_mb=memory_mb),
           _("pass memory_mb={memory_mb} to vm.boot.").format(memory_mb=memory_mb))
    guest_cpus = machine.cpus()
    expect(guest_cpus == cpus,
           _("the guest sees {guest_cpus} CPU(s); asked for {cpus}.").format(guest_cpus=guest_cpus, cpus=cpus),
           _("pass cpus={cpus} to vm.boot.").format(cpus=cpus))


def boot_configured(fn, memory_mb: int, cpus: int) -> None:
    """`boot_configured(memory_mb, cpus)` returns a running VM with that memory and CPUs."""
    machine = call(fn, memory_mb, cpus)
    try:
        _expect_configured(machine, memory_mb, cpus, mine=False)
    finally:
        if hasattr(machine, "shutdown"):
            machine.shutdown()


def my_machine(machine, cpus: int = 2) -> None:
    """`my_machine` is a running VM with the learner's own memory (their variant's ``vm_memory_mb``)."""
    want = int(variant.value("vms", "vm_memory_mb"))
    expect(machine is not None, _("`my_machine` is not set."),
           _("boot your own machine in the exercise's cell: my_machine = boot_configured({want}, {cpus}).").format(
               want=want, cpus=cpus))
    try:
        _expect_configured(machine, want, cpus, mine=True)
    finally:
        if hasattr(machine, "shutdown"):
            machine.shutdown()


class _Watched:
    """The VM as the learner's function sees it: the same machine, but each command it runs
    (and what that printed) is recorded, so a wrong count can be traced to its cause."""

    def __init__(self, machine):
        self._machine = machine
        self.ran: list[tuple[str, str]] = []
        self.used: set[str] = set()

    def run(self, command, *args, **kwargs):
        result = self._machine.run(command, *args, **kwargs)
        self.ran.append((command, result.output))
        return result

    def __getattr__(self, name: str):
        self.used.add(name)
        return getattr(self._machine, name)


def _ps_rows(output: str) -> int | None:
    """Rows of a ps table (the lines under its PID header), or None if ``output`` is not one."""
    lines = output.strip().splitlines()
    if not lines or not re.match(r"\s*PID\b", lines[0]):
        return None
    return sum(1 for line in lines[1:] if line.strip())


def process_count(fn, machine, against_host: bool = False) -> None:
    """`guest_process_count(machine)` counts the guest's processes as `ps` run on its own lists them.

    Every command run in the guest is a process of it while it runs: `ps` alone lists
    itself, a pipeline (`ps | wc -l`) keeps the guest's shell and adds a process per
    command. The count must be exact; a wrong one is traced to its cause (the header
    line, a pipeline's own processes, the host's table) from what the answer ran.
    """
    watched = _Watched(machine)
    before, host_before = len(machine.processes()), len(psutil.pids())
    got = call(fn, watched)
    after, host = len(machine.processes()), len(psutil.pids())
    expect(isinstance(got, numbers.Integral) and not isinstance(got, bool),
           _("`guest_process_count` returned {got!r}, not an int.").format(got=got), _("return len(...) - 1."))
    pipelines = [cmd for cmd, _ in watched.ran if "|" in cmd.replace("||", "")]
    tables = [rows for cmd, out in watched.ran if cmd not in pipelines and (rows := _ps_rows(out)) is not None]
    # ps's own table, as the answer saw it, is exact even if a kernel thread came or went since.
    truths = {tables[-1]} if tables else set(range(min(before, after), max(before, after) + 1))
    if got in truths:
        if against_host:
            expect(got < host, _("the guest reports {got} processes, the host {host}: the guest should have fewer."
                                 ).format(got=got, host=host),
                   _("make sure you run ps inside the guest."))
        return
    truth = max(truths)
    # The host's count moves while other programs start and stop: an answer that asked the
    # guest nothing, or got about the host's number, counted the host's table.
    asked_nothing = not watched.ran and "processes" not in watched.used
    hostlike = 0.8 * min(host, host_before) <= got <= 1.2 * max(host, host_before) and abs(got - truth) > 5
    expect(not (asked_nothing or hostlike),
           # Translators: {got} is the learner's count, {host} the host's, {truth} the guest's.
           _("{got} is about the number of processes on the host ({host}); the guest has its own, "
             "much shorter table ({truth}).").format(got=got, host=host, truth=truth),
           _('ask the guest: count the rows of machine.run("ps").output, without the header line.'))
    # Translators: the start of each of the three messages below ({said}); {got} is the learner's
    # count, {truth} the guest's.
    said = _("got {got}, but the guest's process table, as `ps` alone lists it, has {truth} processes").format(
        got=got, truth=truth)
    if pipelines:
        pipeline = pipelines[-1]
        # How many of the pipeline's processes ps saw depends on when the shell forked them.
        # Translators: {said} is the sentence above; {pipeline!r} the command the learner ran, in quotes.
        raise Feedback(_("{said}: {pipeline!r} is a pipeline: the guest's shell stays to run it and each "
                         "command in it is a process too, so ps saw more processes than it lists on its own "
                         "(and a header line, if counted, is not a process either).").format(
                             said=said, pipeline=pipeline),
                       _('run `ps` on its own (machine.run("ps")) and count the rows after its header in Python.'))
    if got - truth == 1:
        # Translators: {said} is the sentence above.
        raise Feedback(_("{said}: one line too many was counted: the header line (PID USER COMMAND) is not a "
                         'process (nor is the empty string output.split("\\n") leaves after the last newline).'
                         ).format(said=said),
                       _("count the lines after the header: len(lines) - 1, with lines = output.strip().splitlines()."))
    # Translators: {said} is the sentence above; the message ends it.
    raise Feedback(_("{said}.").format(said=said),
                   _('count the rows of machine.run("ps").output, without the header line.'))
