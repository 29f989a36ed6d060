#!/usr/bin/python3
"""The YAML netlink spec and the uapi header describe the same family.

Every constant the spec names is compiled against uapi/linux/meshtun.h and
must have the value the spec gives it (attributes numbered in order from
their first value, flags as bits in order); every enum's __MAX in the
header must end where the spec's list ends, so the header has nothing the
spec lacks. Prints TAP; exits non-zero on any mismatch.
"""
import os
import subprocess
import sys
import tempfile

import yaml

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def c_name(prefix, name):
    return (prefix + name).upper().replace("-", "_")


def expected(spec):
    """(C expression, value) pairs the header must satisfy."""
    pairs = [("MESHTUN_GENL_NAME", None), ("MESHTUN_GENL_VERSION", 1)]
    for d in spec["definitions"]:
        if d["type"] == "const":
            pairs.append((c_name("meshtun-", d["name"]), d["value"]))
        elif d["type"] == "enum":
            for value, entry in enumerate(d["entries"]):
                pairs.append((c_name(d["name-prefix"], entry), value))
        elif d["type"] == "flags":
            for bit, entry in enumerate(d["entries"]):
                pairs.append((c_name(d["name-prefix"], entry), 1 << bit))
            pairs.append(("__" + c_name(d["name-prefix"], "all"), (1 << len(d["entries"])) - 1))
    for aset in spec["attribute-sets"]:
        pairs += numbered(aset["name-prefix"], aset["attributes"])
    pairs += numbered(spec["operations"]["name-prefix"], spec["operations"]["list"])
    return pairs


def numbered(prefix, items):
    """Enum entries numbered on from the last explicit value, then the MAX."""
    pairs, value = [], 0
    for item in items:
        value = item.get("value", value)
        pairs.append((c_name(prefix, item["name"]), value))
        value += 1
    return pairs + [(c_name(prefix, "max"), value - 1)]


def main():
    with open(os.path.join(TOP, "uapi/linux/meshtun.yaml")) as f:
        spec = yaml.safe_load(f)
    pairs = expected(spec)
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "spec.c")
        with open(src, "w") as f:
            f.write("#include <stdio.h>\n#include <linux/meshtun.h>\nint main(void)\n{\n")
            for expr, _ in pairs:
                if expr == "MESHTUN_GENL_NAME":
                    f.write('\tprintf("%%s\\n", %s);\n' % expr)
                else:
                    f.write('\tprintf("%%lld\\n", (long long)(%s));\n' % expr)
            f.write("\treturn 0;\n}\n")
        exe = os.path.join(tmp, "spec")
        build = subprocess.run(["cc", "-Wall", "-Werror", "-I", os.path.join(TOP, "uapi"),
                                "-o", exe, src], capture_output=True, text=True)
        if build.returncode:
            print("not ok 1 - spec: every name in the spec exists in the header")
            print("".join("#   " + l + "\n" for l in build.stderr.splitlines()[:20]), end="")
            return 1
        print("ok 1 - spec: every name in the spec exists in the header")
        got = subprocess.run([exe], capture_output=True, text=True, check=True).stdout.split("\n")
    failed = 0
    for n, ((expr, want), value) in enumerate(zip(pairs, got), start=2):
        want = spec["name"] if expr == "MESHTUN_GENL_NAME" else want
        ok = str(want) == value
        failed += not ok
        print("%s %d - spec: %s = %s%s" % ("ok" if ok else "not ok", n, expr, want,
                                           "" if ok else " (header: %s)" % value))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
