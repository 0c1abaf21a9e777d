#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Print the compiler/sparse diagnostics in LOG that belong to the series.

usage: new-warnings.py SRC OBJ BASE LOG

A diagnostic (warning, error, or a note that locates one) belongs to the series when
it points into a file the series creates, or at a line the series adds to a file it
modifies (from `git diff -U0 BASE HEAD`). Base files' own warnings are not ours.
"""
import os
import re
import subprocess
import sys

src, obj, base, log = sys.argv[1:5]
rel = os.path.relpath(src, obj) + '/'


def git(*args):
    return subprocess.run(['git', '-C', src] + list(args), capture_output=True,
                          text=True, check=True).stdout


new = set(git('diff', '--name-only', '--diff-filter=A', base, 'HEAD').split())
added = {}
cur = None
for line in git('diff', '-U0', '--diff-filter=M', base, 'HEAD').splitlines():
    if line.startswith('+++ b/'):
        cur = line[6:]
        added.setdefault(cur, set())
    m = re.match(r'^@@ -\S+ \+(\d+)(?:,(\d+))? @@', line)
    if m and cur:
        start, count = int(m.group(1)), int(m.group(2) or 1)
        added[cur].update(range(start, start + count))

diag = re.compile(r'^(\S+?):(\d+):(?:\d+:)? (warning|error|note): ')
block = []
ours = False
out = []


def flush():
    global block, ours
    if ours and any(re.search(r'(warning|error): ', b) for b in block):
        out.extend(block)
    block, ours = [], False


for line in open(log, errors='replace'):
    line = line.rstrip('\n')
    m = diag.match(line)
    if not m:
        if re.match(r'^\S+: In function|^In file included from|^ +[0-9]* +\|', line):
            block.append(line)
        continue
    path, lnum, kind = m.group(1), int(m.group(2)), m.group(3)
    if kind != 'note':
        flush()
    for p in (src + '/', rel):
        if path.startswith(p):
            path = path[len(p):]
    block.append(line)
    if path in new or lnum in added.get(path, ()):
        ours = True
flush()
print('\n'.join(out))
