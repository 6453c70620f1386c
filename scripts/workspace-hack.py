#!/usr/bin/env python3
"""Writes workspace-hack/Cargo.toml, or with --check says whether it is still right.

Cargo picks the features of every dependency from the packages one command builds: `cargo test
--workspace` turns on what any member (and any dev-dependency) asks for, `cargo run -p
techo-server` only what the server's own tree asks for. Where the two differ, the crate and
everything above it are compiled again, so each README command used to rebuild most of what the
previous one had built. The hack crate asks for the workspace-wide union of features of exactly
those crates, and the crates behind the README's `cargo run -p` commands (ROOTS) depend on it:
then each of them builds every third-party crate the way `cargo test --workspace` does.

Only features are unified here; the root Cargo.toml's `debug` for `profile.dev.package."*"`
is the other half (Cargo's debug-info default for build scripts and proc-macros depends on the
packages a command builds as well). Workspace members whose own features differ per command
(techo-core without `client` in the server) are still compiled per command; they are ours and
quick. The phone library does not depend on the hack, so its size and its cross-compiled
dependency tree stay as they are.

Uses `cargo tree`, so it needs no extra tool. Run it after changing dependencies or features and
commit workspace-hack/Cargo.toml (and Cargo.lock); `--check` (part of scripts/test.sh) fails when
the committed file is not what it would write.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HACK_DIR = ROOT / "workspace-hack"
HACK = "techo-workspace-hack"
# The packages a person builds on their own (`cargo run -p …` in the README).
ROOTS = ["techo-server", "techo-cli"]

TREE_PREFIX = re.compile(r"^((?:│   |    |├── |└── )*)(.*)$")


def host_triple():
    out = subprocess.run(["rustc", "-vV"], check=True, capture_output=True, text=True).stdout
    return next(line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("host: "))


def features(triple, args, dev):
    """{(name, version, side): features} of every third-party package one command would build,
    `side` being "host" for build scripts, proc-macros and what they use, else "target"."""
    edges = "normal,build,dev,features" if dev else "normal,build,features"
    # Not --locked: every step changes the hack's own dependencies, and so its entry in Cargo.lock
    # (only that: each is asked for at the version already locked).
    cmd = ["cargo", "tree", "-e", edges, "--target", triple, "--format", "{p}|{f}", *args]
    run = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{run.stderr}")
    out = run.stdout
    found = {}
    # A feature of a proc-macro turns on features of its dependencies, which are host-side too.
    macros = {m.split()[-3] for m in re.findall(r"[\w-]+ v\S+ \(proc-macro\)", out)}
    # stack[d]: (is the node at depth d on the host side, is it a proc-macro package)
    stack = []
    # The edge kind the current `[build-dependencies]` / `[dev-dependencies]` header gives the
    # children of the node at that depth.
    section = {}
    for line in out.splitlines():
        prefix, text = TREE_PREFIX.match(line).groups()
        if not text:
            continue  # between the trees of two workspace members
        depth = len(prefix) // 4
        if text.startswith("[") and text.endswith("dependencies]"):
            section[depth] = text
            continue
        for d in [d for d in section if d >= depth]:
            del section[d]
        del stack[depth:]
        if depth == 0:
            parent_host, parent_macro, edge = False, False, None
        else:
            parent_host, parent_macro = stack[depth - 1]
            edge = section.get(depth - 1)
        host = parent_host or parent_macro or edge == "[build-dependencies]"
        if "|" not in text:  # a feature node: `serde feature "derive"`
            stack.append((host, text.split()[0] in macros))
            continue
        package, enabled = text.removesuffix(" (*)").split("|", 1)
        is_macro = package.endswith("(proc-macro)")
        stack.append((host or is_macro, is_macro))
        if "(/" in package:
            continue  # a workspace member
        name, version = package.split()[:2]
        side = "host" if host or is_macro else "target"
        found[(name, version.removeprefix("v"), side)] = tuple(sorted(f for f in enabled.split(",") if f))
    return found


def differences(triple, union):
    """What one of ROOTS builds with other features than the whole workspace does."""
    wrong = {}
    for root in ROOTS:
        for key, feats in features(triple, ["-p", root], dev=False).items():
            if union.get(key) != feats:
                wrong[key] = (root, feats)
    return wrong


def other_platforms(text, triple):
    """The committed tables of other hosts (written by running this there), kept as they are."""
    kept, keep = [], False
    for line in text.splitlines(keepends=True):
        if line.startswith("["):
            keep = line.startswith("[target.") and not line.startswith(f"[target.{triple}.")
        if keep:
            kept.append(line)
    return "".join(kept).strip()


def manifest(triple, entries, others):
    names = {}
    for name, version, _ in entries:
        names.setdefault(name, set()).add(version)

    def line(name, version, feats):
        # Two versions of one crate (syn 2 and 3) need two names: the part of the version that
        # cannot be shared, as in `syn-v2` or `rand_core-v0-9`.
        parts = version.split(".")
        key = name if len(names[name]) == 1 else f"{name}-v{parts[0] if parts[0] != '0' else '0-' + parts[1]}"
        package = "" if key == name else f'package = "{name}", '
        listed = ", ".join(f'"{f}"' for f in feats)
        # Build metadata (`+spec-1.1.0`) means nothing in a requirement; cargo warns about it.
        wanted = version.split("+")[0]
        return f'{key} = {{ {package}version = "{wanted}", default-features = false, features = [{listed}] }}\n'

    text = (
        "# Generated by scripts/workspace-hack.py: do not edit, run it again (its docstring says why).\n"
        "[package]\n"
        f'name = "{HACK}"\n'
        'description = "Kenko Techo: the union of dependency features, so the README\'s commands share one build"\n'
        "version.workspace = true\n"
        "edition.workspace = true\n"
        "rust-version.workspace = true\n"
        "license.workspace = true\n"
        "publish.workspace = true\n"
    )
    # Per host triple: the tree differs per platform, and a crate that only Linux builds must not
    # become a dependency on macOS.
    for side, table in [("target", "dependencies"), ("host", "build-dependencies")]:
        rows = sorted((n, v, f) for (n, v, s), f in entries.items() if s == side)
        if rows:
            text += f"\n[target.{triple}.{table}]\n" + "".join(line(*row) for row in rows)
    return text + (f"\n{others}\n" if others else "")


def generate(triple, path, others):
    """The manifest the hack needs, found by trying: each entry can pull crates into a root's
    build that it did not build before, so repeat until the roots build nothing differently."""
    path.write_text(manifest(triple, {}, others))
    union = features(triple, ["--workspace"], dev=True)
    entries = {}
    while True:
        text = manifest(triple, entries, others)
        path.write_text(text)
        wrong = differences(triple, union)
        if not wrong:
            return text, entries
        for key, (root, _) in wrong.items():
            if key not in union:
                sys.exit(f"{root} builds {key}, which `cargo test --workspace` does not: nothing to unify with")
            entries[key] = union[key]


def main():
    check = sys.argv[1:] == ["--check"]
    triple = host_triple()
    path = HACK_DIR / "Cargo.toml"
    lock = ROOT / "Cargo.lock"
    kept = {p: (p.read_text(), p.stat()) for p in (path, lock)}
    try:
        text, entries = generate(triple, path, other_platforms(kept[path][0], triple))
    finally:
        if check:
            # Times too: a newer manifest would look like a change to the next build.
            for p, (content, stat) in kept.items():
                p.write_text(content)
                os.utime(p, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    committed = kept[path][0]
    if not check:
        print(f"workspace-hack/Cargo.toml: {len(entries)} crates unified")
    elif text != committed:
        print("workspace-hack/Cargo.toml is out of date: run scripts/workspace-hack.py and commit it", file=sys.stderr)
        sys.exit(1)
    else:
        print("workspace-hack: the README's commands build every dependency the way the tests do")


if __name__ == "__main__":
    main()
