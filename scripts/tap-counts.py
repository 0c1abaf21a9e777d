#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Count kselftest results in the guest's TAP log: prints "passed failed skipped".

The guest prints each program's harness output indented by "# "; the harness's own
case lines are "# ok N name" / "# not ok N name".  A top-level "not ok" for a program
none of whose cases failed (it crashed, or timed out) counts as one failure.
"""
import re
import sys

case = re.compile(r'^# (not )?ok \d+ (.*)$')
top = re.compile(r'^(not )?ok \d+ (.*)$')
p = f = s = 0
prog_fail = 0
try:
    lines = open(sys.argv[1], errors='replace').read().splitlines()
except OSError:
    lines = []
for line in lines:
    m = case.match(line)
    if m:
        if '# SKIP' in m.group(2):
            s += 1
        elif m.group(1):
            f += 1
            prog_fail += 1
        else:
            p += 1
        continue
    m = top.match(line)
    if m:
        if m.group(2).startswith('kmemleak'):
            if m.group(1):
                f += 1
            elif '# SKIP' in m.group(2):
                s += 1
            else:
                p += 1
        elif m.group(1) and prog_fail == 0:
            f += 1
        prog_fail = 0
print(p, f, s)
