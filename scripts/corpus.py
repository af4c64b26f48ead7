#!/usr/bin/env python3
"""Runs cargo-archfit on the real-world corpus and scores it against the reviewed truth.

Each corpus/<name>/ folder holds `source.toml` (repository, pinned commit, manifest
path), the `archfit.toml` the workspace's platform team would write, and
`truth.toml` (true findings with file:line, traps that must not be reported).
The snapshots themselves are not in this repository: the script unpacks a pinned
commit from a local git mirror when one is present (ARCHFIT_CORPUS_MIRRORS,
default /work/.mirror, laid out as <owner>+<name>/repo) and skips the workspace
otherwise. CI has no network, so CI does not run this.

Usage: scripts/corpus.py [--bin PATH] [--keep] [--json] [NAME ...]

Precision is judged at error severity: an error finding that matches neither a
true finding nor a trap counts as unreviewed, and unreviewed counts as wrong,
so a new finding forces a review. Recall is the share of true findings that a
finding of the same check reports at the same file and line (any severity).

The service graph (`graph --level service --format json`) is scored against the
truth's `[[edge]]` list: an edge is found when the graph has an edge with the
same `from` and `to` (and the same `kind` when the truth gives one). A graph
edge that matches a `[[not_edge]]` and no `[[edge]]` is wrong; one that matches
neither is unreviewed, which also forces a review.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


def load(path):
    with open(path, "rb") as f:
        return tomllib.load(f)


def mirror_of(repo):
    base = Path(os.environ.get("ARCHFIT_CORPUS_MIRRORS", "/work/.mirror"))
    git_dir = base / repo.replace("/", "+") / "repo"
    return git_dir if git_dir.is_dir() else None


def missing_blobs(git_dir, commit):
    """Paths whose blobs the mirror lacks (snapshots leave out files of 4 MiB
    and more); `git archive` would stop at the first of them."""
    tree = subprocess.run(
        ["git", f"--git-dir={git_dir}", "ls-tree", "-r", "-z", commit],
        check=True, capture_output=True,
    ).stdout.split(b"\0")
    entries = []
    for line in tree:
        if not line:
            continue
        meta, path = line.split(b"\t", 1)
        mode, kind, sha = meta.split()
        if kind == b"blob":
            entries.append((sha, path))
    batch = b"".join(sha + b"\n" for sha, _ in entries)
    answers = subprocess.run(
        ["git", f"--git-dir={git_dir}", "cat-file", "--batch-check"],
        input=batch, check=True, capture_output=True,
    ).stdout.splitlines()
    return [path.decode("utf-8", "replace")
            for (_, path), answer in zip(entries, answers) if answer.endswith(b"missing")]


def unpack(git_dir, commit, dest):
    """Extracts one commit (no work tree in the mirror) into a fresh folder,
    leaving out the files the mirror does not have; returns those paths."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    missing = missing_blobs(git_dir, commit)
    excludes = [f":(exclude,literal){path}" for path in missing]
    archive = subprocess.run(
        ["git", f"--git-dir={git_dir}", "archive", "--format=tar", commit, "--", "."] + excludes,
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return missing


def matches(finding, entry):
    if finding["check"] != entry["check"]:
        return False
    loc = finding["location"]
    if loc["file"] != entry["file"]:
        return False
    if "line" in entry and loc["line"] != entry["line"]:
        return False
    if "contains" in entry and entry["contains"] not in finding["message"]:
        return False
    return True


def run_one(name, args, work):
    folder = CORPUS / name
    source = load(folder / "source.toml")
    truth = load(folder / "truth.toml") if (folder / "truth.toml").exists() else {}
    git_dir = mirror_of(source["repo"])
    if git_dir is None:
        return {"name": name, "skipped": f"no local mirror of {source['repo']}"}
    dest = work / name
    left_out = unpack(git_dir, source["commit"], dest)
    manifest = dest / source.get("manifest", "Cargo.toml")
    cmd = [
        "/usr/bin/time", "-f", "%e %M", args.bin, "check",
        "--manifest-path", str(manifest),
        "--config", str(folder / "archfit.toml"),
        "--format", "json", "--color", "never",
    ]
    started = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tempfile.gettempdir())
    elapsed = time.monotonic() - started
    timing = proc.stderr.strip().splitlines()[-1].split() if proc.stderr.strip() else ["?", "0"]
    peak_mib = int(timing[-1]) / 1024 if timing[-1].isdigit() else 0.0
    result = {"name": name, "exit": proc.returncode, "seconds": round(elapsed, 2),
              "peak_mib": round(peak_mib, 1), "checks": {}, "diagnostics": [],
              "left_out": left_out}
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        result["error"] = "\n".join(proc.stderr.splitlines()[:-1])[:2000]
        return result
    result["diagnostics"] = [
        f"{d.get('severity')}: {d.get('message')}" for d in report.get("diagnostics", [])
    ]
    true_findings = truth.get("finding", [])
    traps = truth.get("trap", [])
    findings = report.get("findings", [])
    checks = sorted({f["check"] for f in findings} | {t["check"] for t in true_findings})
    for check in checks:
        mine = [f for f in findings if f["check"] == check]
        errors = [f for f in mine if f["severity"] == "error"]
        right = [f for f in errors if any(matches(f, t) for t in true_findings)]
        trapped = [f for f in errors if any(matches(f, t) for t in traps)]
        unreviewed = [f for f in errors if f not in right and f not in trapped]
        wanted = [t for t in true_findings if t["check"] == check]
        found = [t for t in wanted if any(matches(f, t) for f in mine)]
        result["checks"][check] = {
            "findings": len(mine),
            "errors": len(errors),
            "true": len(right),
            "trapped": len(trapped),
            "unreviewed": len(unreviewed),
            "precision": round(len(right) / len(errors), 3) if errors else None,
            "recall": round(len(found) / len(wanted), 3) if wanted else None,
            "wanted": len(wanted),
            "missed": [f"{t['file']}:{t.get('line', '?')}" for t in wanted if t not in found],
            "wrong": [
                f"{f['location']['file']}:{f['location']['line']} {f['message']}"
                for f in trapped + unreviewed
            ],
        }
    result["edges"] = score_edges(args, manifest, folder, truth)
    if not args.keep:
        shutil.rmtree(dest, ignore_errors=True)
    return result


def edge_matches(graph_edge, entry):
    """Same pair of services, and the same kind when the entry names one."""
    return (graph_edge["from"] == entry["from"] and graph_edge["to"] == entry["to"]
            and entry.get("kind", graph_edge["kind"]) == graph_edge["kind"])


def where(edge):
    loc = edge.get("location")
    return f"{loc['file']}:{loc['line']}" if loc else "(no location)"


def score_edges(args, manifest, folder, truth):
    """Compares the service graph with the reviewed `[[edge]]`/`[[not_edge]]` lists."""
    cmd = [args.bin, "graph", "--level", "service", "--format", "json",
           "--manifest-path", str(manifest), "--config", str(folder / "archfit.toml")]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tempfile.gettempdir())
    try:
        graph = json.loads(proc.stdout)
    except json.JSONDecodeError:
        return {"error": f"graph exit {proc.returncode}: {proc.stderr.strip()[:500]}"}
    wanted = truth.get("edge", [])
    traps = truth.get("not_edge", [])
    edges = graph.get("edges", [])
    found = [t for t in wanted if any(edge_matches(e, t) for e in edges)]
    right = [e for e in edges if any(edge_matches(e, t) for t in wanted)]
    wrong = [e for e in edges if e not in right and any(edge_matches(e, t) for t in traps)]
    unreviewed = [e for e in edges if e not in right and e not in wrong]
    # A true pair whose only evidence the tool gives is a trap's place.
    trap_places = {(t["file"], t.get("line")) for t in traps if "file" in t}
    misplaced = [e for e in right if e.get("location") and (
        (e["location"]["file"], e["location"]["line"]) in trap_places
        or (e["location"]["file"], None) in trap_places)]
    describe = lambda e: f"{e['from']} -> {e['to']} {e['kind']} at {where(e)}"
    return {
        "wanted": len(wanted),
        "found": len(found),
        "graph": len(edges),
        "right": len(right),
        "recall": round(len(found) / len(wanted), 3) if wanted else None,
        "missed": [f"{t['from']} -> {t['to']} {t.get('kind', '*')} at "
                   f"{t.get('file', '?')}:{t.get('line', '?')}" for t in wanted if t not in found],
        "unreviewed": [describe(e) for e in unreviewed],
        "wrong": [describe(e) for e in wrong],
        "misplaced": [describe(e) for e in misplaced],
    }


def print_table(results):
    print(f"{'workspace':<22} {'check':<20} {'find':>5} {'err':>4} {'prec':>6} {'recall':>7} "
          f"{'exit':>4} {'secs':>6} {'MiB':>6}")
    totals = {}
    for r in results:
        if "skipped" in r:
            print(f"{r['name']:<22} skipped: {r['skipped']}")
            continue
        if "error" in r:
            print(f"{r['name']:<22} exit {r['exit']}: {r['error']}")
            continue
        head = True
        for check, c in r["checks"].items():
            t = totals.setdefault(check, {"errors": 0, "true": 0, "wanted": 0, "found": 0})
            t["errors"] += c["errors"]
            t["true"] += c["true"]
            t["wanted"] += c["wanted"]
            t["found"] += c["wanted"] - len(c["missed"])
            prec = "-" if c["precision"] is None else f"{c['precision']:.0%}"
            rec = "-" if c["recall"] is None else f"{c['recall']:.0%}"
            tail = f"{r['exit']:>4} {r['seconds']:>6} {r['peak_mib']:>6}" if head else ""
            print(f"{r['name'] if head else '':<22} {check:<20} {c['findings']:>5} "
                  f"{c['errors']:>4} {prec:>6} {rec:>7} {tail}")
            head = False
            for w in c["wrong"]:
                print(f"{'':<24}wrong  {w}")
            for m in c["missed"]:
                print(f"{'':<24}missed {m}")
        if head:
            print(f"{r['name']:<22} {'(no findings)':<20} {'':>5} {'':>4} {'':>6} {'':>7} "
                  f"{r['exit']:>4} {r['seconds']:>6} {r['peak_mib']:>6}")
        for d in r["diagnostics"]:
            print(f"{'':<24}diag   {d}")
        for path in r["left_out"]:
            print(f"{'':<24}absent {path} (not in the mirror)")
    print()
    print(f"{'corpus total':<22} {'check':<20} {'err':>5} {'true':>5} {'prec':>6} {'wanted':>7} "
          f"{'found':>6} {'recall':>7}")
    for check, t in sorted(totals.items()):
        prec = f"{t['true'] / t['errors']:.1%}" if t["errors"] else "-"
        rec = f"{t['found'] / t['wanted']:.1%}" if t["wanted"] else "-"
        print(f"{'':<22} {check:<20} {t['errors']:>5} {t['true']:>5} {prec:>6} {t['wanted']:>7} "
              f"{t['found']:>6} {rec:>7}")
    print()
    print_edges(results)


def print_edges(results):
    print(f"{'service graph':<22} {'truth':>6} {'found':>6} {'recall':>7} {'graph':>6} "
          f"{'right':>6} {'unrev':>6} {'wrong':>6}")
    total = {"wanted": 0, "found": 0, "graph": 0, "right": 0, "unreviewed": 0, "wrong": 0}
    for r in results:
        e = r.get("edges")
        if e is None:
            continue
        if "error" in e:
            print(f"{r['name']:<22} {e['error']}")
            continue
        for key in ("wanted", "found", "graph", "right"):
            total[key] += e[key]
        total["unreviewed"] += len(e["unreviewed"])
        total["wrong"] += len(e["wrong"])
        rec = "-" if e["recall"] is None else f"{e['recall']:.0%}"
        print(f"{r['name']:<22} {e['wanted']:>6} {e['found']:>6} {rec:>7} {e['graph']:>6} "
              f"{e['right']:>6} {len(e['unreviewed']):>6} {len(e['wrong']):>6}")
        for m in e["missed"]:
            print(f"{'':<24}missed edge     {m}")
        for w in e["wrong"]:
            print(f"{'':<24}wrong edge      {w}")
        for u in e["unreviewed"]:
            print(f"{'':<24}unreviewed edge {u}")
        for m in e["misplaced"]:
            print(f"{'':<24}trap as evidence {m}")
    rec = f"{total['found'] / total['wanted']:.1%}" if total["wanted"] else "-"
    print(f"{'corpus total':<22} {total['wanted']:>6} {total['found']:>6} {rec:>7} "
          f"{total['graph']:>6} {total['right']:>6} {total['unreviewed']:>6} {total['wrong']:>6}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", default=str(ROOT / "target/release/cargo-archfit"))
    parser.add_argument("--keep", action="store_true", help="keep the unpacked snapshots")
    parser.add_argument("--json", action="store_true", help="print the raw results as JSON")
    parser.add_argument("names", nargs="*")
    args = parser.parse_args()
    if not Path(args.bin).exists():
        sys.exit(f"no binary at {args.bin}: run `cargo build --release` first")
    # The tool runs from the temporary folder, so a relative path would not resolve.
    args.bin = str(Path(args.bin).resolve())
    names = args.names or sorted(p.name for p in CORPUS.iterdir() if (p / "source.toml").exists())
    work = Path(os.environ.get("ARCHFIT_CORPUS_WORK", Path(tempfile.gettempdir()) / "archfit-corpus"))
    results = [run_one(n, args, work) for n in names]
    if args.json:
        json.dump(results, sys.stdout, indent=2)
        print()
    else:
        print_table(results)


if __name__ == "__main__":
    main()
