#!/usr/bin/env python3
"""Turn README.md's ```sh blocks into one bash script that runs their
commands in order, each reported as ok/FAIL/skip (tests/e2e/readme.sh).

A command is a line, with the lines that continue it (a trailing
backslash, or a quote left open). Each runs in the same shell (variables
and background jobs carry over) with its output in a log; its name is
readme_L<line>. A command that needs what this machine may lack (kprobes,
a ClickHouse server, another host) is skipped with the reason, when it
does lack it: SKIPS below, each a regex over the command and a shell
test that says whether it can run.
"""
import re
import shlex
import sys

# (regex over the command, shell condition under which it can run, reason)
SKIPS = [
    (r"do_sys_openat2|vfs_rea\*", "[ -e /sys/kernel/tracing/kprobe_events ]",
     "needs kprobes, which this kernel does not have (tests/vm/ runs kprobes)"),
    (r"clickhouse|CLICKHOUSE", "false",
     "needs a ClickHouse server (tests/e2e/clickhouse.sh tests the load and the queries)"),
    (r"^scp ", "false", "copies from other hosts"),
    (r"\$\(hostname\)\.ukt", "false",
     "records for an hour on a host running nginx (the fleet's side)"),
    (r"/usr/bin/python3\.11", "[ -x /usr/bin/python3.11 ]",
     "needs Debian 12's /usr/bin/python3.11"),
    (r"trace\.dat|^trace-cmd ", "false",
     "needs trace-cmd recording, whose function-tracer control this machine "
     "refuses (tests/e2e/tracedat.sh records with a shim and reads the files)"),
    (r"libc:malloc\(bytes\)", "[ -d /usr/lib/debug/.build-id ]",
     "needs libc's debug information (Debian libc6-dbg, which make deps installs)"),
]


def commands(text):
    """(line number, command text) of every ```sh block, in order."""
    out = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        if lines[i].strip() != "```sh":
            i += 1
            continue
        i += 1
        cur, start = [], 0
        while i < len(lines) and lines[i].strip() != "```":
            line = lines[i]
            if not cur:
                if not line.strip() or line.lstrip().startswith("#"):
                    i += 1
                    continue
                start = i + 1
            cur.append(line)
            joined = "\n".join(cur)
            if not line.endswith("\\") and complete(joined):
                out.append((start, joined))
                cur = []
            i += 1
        if cur:
            out.append((start, "\n".join(cur)))
        i += 1
    return out


def complete(cmd):
    try:
        shlex.split(cmd, comments=True)
        return True
    except ValueError:
        return False


def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    cmds = commands(text)
    if not cmds:
        print("echo 'FAIL readme_blocks: no ```sh blocks in README.md'")
        return
    for line, cmd in cmds:
        name = "readme_L%d" % line
        first = cmd.split("\n")[0]
        cond, why = "true", ""
        for rx, c, w in SKIPS:
            if re.search(rx, cmd, re.M):
                cond, why = c, w
                break
        print("echo %s" % shlex.quote("# %s: %s" % (name, first)))
        print("if %s; then" % cond)
        print("{\n%s\n} >>\"$LOG\" 2>&1 </dev/null" % cmd)
        print("rc=$?")
        print("if [ $rc = 0 ]; then echo 'ok %s'; else echo \"FAIL %s: exited with $rc\";"
              " tail -5 \"$LOG\" | sed 's/^/#   /'; fi" % (name, name))
        print("else echo %s; fi" % shlex.quote("skip %s: %s" % (name, why)))


if __name__ == "__main__":
    main()
