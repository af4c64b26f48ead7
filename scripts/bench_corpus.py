#!/usr/bin/env python3
"""Runs the benchmark (examples/bench.rs) on corpus workspaces with their reviewed archfit.toml.

Usage: scripts/bench_corpus.py [--runs 3] [--work DIR] [--dry-run] [NAME ...]

Each NAME is a corpus/<name>/ folder (default: the four largest by source
bytes, greptimedb, golem, restate and neon; the others hold 7 MiB or less). Its pinned commit is unpacked from the
local mirror as scripts/corpus.py does (ARCHFIT_CORPUS_MIRRORS, default
/work/.mirror) into --work (default $TMPDIR/archfit-bench-corpus), once: a
`<name>.commit` file next to the tree says which commit it holds, so a second
run reuses it. Then

    cargo run --release --example bench -- --runs N \\
        --workspace WORK/NAME/Cargo.toml --config corpus/NAME/archfit.toml ...

measures floor, cold check and warm check of each (the warm runs keep their
fact cache in a temporary directory, never in the tree). `--dry-run` unpacks
and prints that command instead of running it. Tables go to stdout.
"""
import argparse
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402  (scripts/corpus.py: the same unpacking and mirrors)

DEFAULT = ["greptimedb", "golem", "restate", "neon"]


def unpacked(name, work):
    """The manifest of `name` unpacked under `work`, reusing an earlier copy
    of the same commit."""
    source = corpus.load(corpus.CORPUS / name / "source.toml")
    marker = work / f"{name}.commit"
    dest = work / name
    manifest = dest / source.get("manifest", "Cargo.toml")
    if marker.is_file() and marker.read_text().strip() == source["commit"] and manifest.is_file():
        print(f"reusing {dest}", file=sys.stderr)
        return manifest
    marker.unlink(missing_ok=True)
    result = corpus.unpack_workspace(name, work)
    if "skipped" in result:
        sys.exit(f"{name}: {result['skipped']}")
    if result["left_out"]:
        print(f"{name}: the mirror lacks {len(result['left_out'])} files (left out)", file=sys.stderr)
    marker.write_text(source["commit"] + "\n")
    return manifest


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path,
                        default=Path(tempfile.gettempdir()) / "archfit-bench-corpus")
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("names", nargs="*")
    args = parser.parse_args()
    names = args.names or DEFAULT
    for name in names:
        if not (corpus.CORPUS / name / "source.toml").is_file():
            sys.exit(f"no corpus workspace {name} (see corpus/)")
    args.work.mkdir(parents=True, exist_ok=True)
    cmd = ["cargo", "run", "--release", "--example", "bench", "--", "--runs", str(args.runs)]
    for name in names:
        manifest = unpacked(name, args.work.resolve())
        cmd += ["--workspace", str(manifest),
                "--config", f"corpus/{name}/archfit.toml"]
    if args.dry_run:
        print(shlex.join(cmd))
        return
    sys.exit(subprocess.run(cmd, cwd=corpus.ROOT).returncode)


if __name__ == "__main__":
    main()
