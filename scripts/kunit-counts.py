#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Count leaf KUnit cases in kunit.py's JSON (KCIDB-style): "passed failed skipped"."""
import json
import sys

p = f = s = 0


def walk(t):
    global p, f, s
    subs = t.get('sub_groups', [])
    for sub in subs:
        walk(sub)
    for c in t.get('test_cases', []):
        st = c.get('status', '')
        if st == 'PASS':
            p += 1
        elif st == 'SKIP':
            s += 1
        else:
            f += 1


try:
    walk(json.load(open(sys.argv[1])))
except (OSError, ValueError):
    f += 1
print(p, f, s)
