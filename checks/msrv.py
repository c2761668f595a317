#!/usr/bin/env python3
"""The declared `rust-version`s, proved as far as one toolchain can prove them.

This machine can install only one Rust toolchain, so the crates cannot be built with the
oldest one they declare. What is checked instead (`.ci/run` runs this):

1. Every dependency a user's build pulls in (normal and build dependencies) declares a
   `rust-version` no newer than the crate's, as Cargo's MSRV-aware resolver resolves them for
   a user on that toolchain (a probe crate of that `rust-version` depending on the member,
   with a lockfile of its own; the workspace's `Cargo.lock` is shared by every feature and
   member, so it holds the newest versions any of them accepts): for `machinekey` with no
   features and with each feature alone, and for each published member with its own
   features. A feature that needs a newer toolchain says so in `Cargo.toml`
   (`[package.metadata.msrv]`, e.g. `certificate = "1.87"`: `rsa` 0.10) and in its docs.
2. Clippy's `incompatible_msrv` lint (denied in the workspace's lints; `cargo clippy` in
   `.ci/run`) refuses any standard-library item stabilised after the declared version.

Language features (let chains need 1.88, say) are not checked by either; the crates use none.
"""
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def version(v):
    parts = [int(x) for x in v.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


def cargo(args, cwd):
    return subprocess.run(["cargo"] + args, cwd=cwd, check=True, capture_output=True, text=True).stdout


def metadata(cwd, locked):
    return json.loads(cargo(["metadata", "--format-version", "1"] + (["--locked"] if locked else []), cwd))


def check_tree(meta, cwd, args, allowed, label, failures):
    """Every package `cargo tree` (with `args`, in `cwd`) lists must declare a rust-version no
    newer than `allowed`; prints the newest one found."""
    rust_version = {(p["name"], "v" + p["version"]): p.get("rust_version") for p in meta["packages"]}
    out = cargo(["tree", "--locked", "-e", "normal,build", "--prefix", "none", "-f", "{p}"] + args, cwd)
    worst = None
    for pkg in {tuple(line.split()[:2]) for line in out.splitlines() if line.strip()}:
        if pkg[0] == "msrv-probe":
            continue
        rv = rust_version.get(pkg)
        if rv and version(rv) > version(allowed):
            failures.append(f"{label}: {pkg[0]} {pkg[1]} needs Rust {rv}, above {allowed}")
        if rv and (worst is None or version(rv) > version(worst[0])):
            worst = (rv, pkg[0])
    print(f"{label}: declared {allowed}; newest dependency {worst[1]} ({worst[0]})")


def probe(member_path, features, allowed, label, failures):
    """A new crate with rust-version `allowed` that depends on the member (its default
    features off and `features` on, or as it is): its own lockfile, resolved as Cargo's
    MSRV-aware resolver does for a user on that toolchain, and every dependency's
    rust-version checked against it."""
    with tempfile.TemporaryDirectory() as d:
        os.makedirs(os.path.join(d, "src"))
        open(os.path.join(d, "src", "lib.rs"), "w").close()
        spec = f'path = "{member_path}"'
        if features is not None:
            spec += ", default-features = false, features = [" + ", ".join(f'"{f}"' for f in features) + "]"
        with open(os.path.join(d, "Cargo.toml"), "w") as f:
            f.write(
                f'[package]\nname = "msrv-probe"\nversion = "0.0.0"\nedition = "2024"\n'
                f'rust-version = "{allowed}"\n\n[dependencies]\ndep = {{ package = "{label.split()[0]}", {spec} }}\n\n[workspace]\n'
            )
        cargo(["generate-lockfile"], d)
        check_tree(metadata(d, True), d, [], allowed, label, failures)

def main():
    meta = metadata(ROOT, True)
    members = {p["name"]: p for p in meta["packages"] if p["id"] in meta["workspace_members"]}
    failures = []
    core = members["machinekey"]
    declared = core["rust_version"]
    per_feature = (core.get("metadata") or {}).get("msrv", {})
    probe(ROOT, [], declared, "machinekey (no features)", failures)
    for feature in sorted(f for f in core["features"] if f != "default"):
        probe(ROOT, [feature], per_feature.get(feature, declared), f"machinekey --features {feature}", failures)
    tower = members["machinekey-tower"]
    probe(os.path.dirname(tower["manifest_path"]), None, tower["rust_version"], "machinekey-tower", failures)
    # The command line and the Python extension are built from this workspace with its
    # `Cargo.lock` (`cargo install --locked`, maturin), so that lockfile is what they need.
    for name in ("machinekey-cli", "machinekey-py"):
        allowed = members[name]["rust_version"]
        check_tree(meta, ROOT, ["-p", name], allowed, f"{name} (the workspace's Cargo.lock)", failures)
    if failures:
        print("\n".join(failures), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
