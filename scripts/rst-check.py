#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Build new Documentation/*.rst files alone with Sphinx -W, using the kernel's own
kernel-doc and automarkup extensions and C attribute list, so that their
warnings (and those of the kernel-doc they pull in) fail, not the base tree's.

usage: rst-check.py SRC OUTDIR FILE.rst...   (paths relative to SRC)
"""
import ast
import os
import shutil
import subprocess
import sys

src, out, files = sys.argv[1], sys.argv[2], sys.argv[3:]

# The kernel's list of C attributes Sphinx must ignore, read from its conf.py.
tree = ast.parse(open(os.path.join(src, "Documentation/conf.py")).read())
attrs = []
for node in tree.body:
    if isinstance(node, ast.Assign) and any(
            getattr(t, "id", "") == "c_id_attributes" for t in node.targets):
        attrs = ast.literal_eval(node.value)

shutil.rmtree(out, ignore_errors=True)
os.makedirs(out)
docs = []
for f in files:
    rel = os.path.relpath(f, "Documentation")
    os.makedirs(os.path.join(out, os.path.dirname(rel)), exist_ok=True)
    shutil.copy(os.path.join(src, f), os.path.join(out, rel))
    docs.append(os.path.splitext(rel)[0])

with open(os.path.join(out, "conf.py"), "w") as c:
    c.write(f"""import sys
sys.path.insert(0, {os.path.join(src, 'Documentation/sphinx')!r})
extensions = ["kerneldoc", "automarkup", "sphinx.ext.autosectionlabel"]
autosectionlabel_prefix_document = True
autosectionlabel_maxdepth = 2
kerneldoc_srctree = {src!r}
c_id_attributes = {attrs!r}
primary_domain = "c"
highlight_language = "none"
project = "rst-check"
exclude_patterns = ["_build"]
""")
with open(os.path.join(out, "index.rst"), "w") as i:
    i.write("rst-check\n=========\n\n.. toctree::\n\n")
    for d in docs:
        i.write(f"   {d}\n")

env = dict(os.environ, srctree=src)
r = subprocess.run(["sphinx-build", "-W", "--keep-going", "-q", "-b", "html",
                    out, os.path.join(out, "_build")], env=env)
sys.exit(r.returncode)
