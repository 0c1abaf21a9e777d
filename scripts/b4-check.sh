#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Can `b4 prep` take the series over? In a scratch clone of build/linux: enroll the
# series branch on vcm-base, put cover-letter.txt in b4's cover, let b4 collect To/Cc
# with get_maintainer.pl, mark it RFC, and write the messages with `b4 send -o`
# (nothing is sent). Passes when b4 writes the cover plus one message per patch.
#   b4-check.sh SRC TOP OUTDIR
set -euo pipefail
src=$1 top=$2 out=$3
scratch=$out/clone
rm -rf "$out"
mkdir -p "$out/mail"
git clone -q -s --no-checkout "$src" "$scratch"
cd "$scratch"
# the series branch, not HEAD: the bisect gate moves HEAD in build/linux
git checkout -q -B b4-series "$(git -C "$src" rev-parse vcm)"
git tag -f vcm-base "$(git -C "$src" rev-parse vcm-base)" >/dev/null
git config user.name "VCM Developers"
git config user.email vcm-devel@example.org
git config sendemail.smtpserver /bin/true	# b4 send -o writes files only
n=$(git rev-list --count vcm-base..HEAD)
b4 prep -e vcm-base >"$out/b4.log" 2>&1
base=$(sed -n 's/^# base-kernel: //p' "$top/series")
cat >"$out/editor" <<EOS
#!/bin/sh
python3 - "\$1" <<'PY'
import sys
p = sys.argv[1]
cover = open('$top/cover-letter.txt').read().replace('@BASE@', 'Linux $base')
old = open(p).read()
i = old.find('\n---\n')
open(p, 'w').write(cover.rstrip('\n') + '\n' + (old[i:] if i >= 0 else ''))
PY
EOS
chmod +x "$out/editor"
EDITOR="$out/editor" b4 prep --edit-cover >>"$out/b4.log" 2>&1
b4 prep --set-prefixes RFC >>"$out/b4.log" 2>&1
b4 prep --auto-to-cc >>"$out/b4.log" 2>&1
b4 send --no-sign -o "$out/mail" >>"$out/b4.log" 2>&1
got=$(find "$out/mail" -name '*.eml' | wc -l)
subj=$(grep -h -m1 '^Subject:' "$out/mail"/0000-*.eml 2>/dev/null || true)
if [ "$got" -ne $((n + 1)) ] || ! [[ "$subj" =~ \[PATCH\ RFC\ 0+/$n\] ]]; then
	echo "b4 wrote $got messages for $n patches (subject: ${subj:-none}); log: $out/b4.log"
	exit 1
fi
echo "b4 prep enrolled $n patches and wrote $got messages, cover \"${subj#Subject: }\""
