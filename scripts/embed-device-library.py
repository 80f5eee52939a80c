#!/usr/bin/env python3
"""Inlines the device tile library (runtime/include/attn/device/Ops.h and the headers it
includes with #include "...") into one C++ raw string literal, for embedding into generated
kernel sources: NVRTC then needs no include path at run time."""
import pathlib
import re
import sys

root, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
seen = set()


def inline(name):
    if name in seen:
        return ""
    seen.add(name)
    text = []
    for line in (root / name).read_text().splitlines():
        m = re.match(r'\s*#include "([A-Za-z]+\.h)"', line)
        text.append(inline(m.group(1)) if m else line)
    return "\n".join(text) + "\n"


# Headers both implementations include come first, outside the #ifdef that picks one.
body = "".join(inline(h) for h in ["Args.h", "Numeric.h", "Cta.h", "Layout.h", "Ops.h"])
assert ")attnlib\"" not in body
new = 'R"attnlib(' + body + ')attnlib"\n'
if not out.exists() or out.read_text() != new:
    out.write_text(new)
