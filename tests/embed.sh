#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/embed.sh NAME FILE: FILE's bytes as a NUL-terminated C array NAME,
# so no escaping can go wrong.
set -e
printf 'const char %s[] = {\n' "$1"
od -An -v -tx1 "$2" | sed 's/ *\([0-9a-f][0-9a-f]\)/0x\1, /g'
printf '0x00\n};\n'
