#!/usr/bin/env python3
"""Runs cargo-archfit on the real-world corpus and scores it against the reviewed truth.

Each corpus/<name>/ folder holds `source.toml` (repository, pinned commit, manifest
path), the `archfit.toml` the workspace's platform team would write, and
`truth.toml` (true findings with file:line, traps that must not be reported).
The snapshots themselves are not in this repository: the script unpacks a pinned
commit from a local git mirror when one is present (ARCHFIT_CORPUS_MIRRORS,
default /work/.mirror, laid out as <owner>+<name>/repo) and skips the workspace
otherwise. CI has no network, so CI does not run this.

Usage: scripts/corpus.py [--init] [--bin PATH] [--keep] [--json] [NAME ...]

Precision is judged at error severity: an error finding that matches neither a
true finding nor a trap counts as unreviewed, and unreviewed counts as wrong,
so a new finding forces a review. Recall is the share of true findings that a
finding of the same check reports at the same file and line (any severity).

The service graph (`graph --level service --format json`) is scored against the
truth's `[[edge]]` list: an edge is found when the graph has an edge with the
same `from` and `to` (and the same `kind` when the truth gives one). A graph
edge that matches a `[[not_edge]]` and no `[[edge]]` is wrong; one that matches
neither is unreviewed, which also forces a review.

`--init` measures day one instead (issue 16): on a fresh copy of each workspace
without any configuration of its own, `init` writes archfit.toml and `check`
runs with it. It reports both exit codes, the services `init` named against the
reviewed config's (matched by their crates), findings per check, and sorts every
error finding: at a true finding's place (same check, file and line: signal),
at a trap's place, judged by corpus/<name>/init-review.md (its `[[judged]]`
entries, same shape as truth findings, with `verdict = "noise"` or `"real"`
and the `guess` that caused noise), or unreviewed. The noise share is judged
noise plus trap hits over all errors; unreviewed errors force a review, as in
the default mode. The written config and the check report are kept next to the
unpacked trees as <name>.init.toml and <name>.check.json.
"""
import argparse
import json
import os
import re
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


def unpack_workspace(name, work):
    """The corpus entry `name` unpacked afresh under `work`: its folder, truth,
    unpacked folder, manifest path and the files the mirror lacks (or
    `skipped` and why)."""
    folder = CORPUS / name
    source = load(folder / "source.toml")
    git_dir = mirror_of(source["repo"])
    if git_dir is None:
        return {"name": name, "skipped": f"no local mirror of {source['repo']}"}
    dest = work / name
    left_out = unpack(git_dir, source["commit"], dest)
    return {
        "folder": folder,
        "truth": load(folder / "truth.toml") if (folder / "truth.toml").exists() else {},
        "dest": dest,
        "manifest": dest / source.get("manifest", "Cargo.toml"),
        "left_out": left_out,
    }


def run_one(name, args, work):
    unpacked = unpack_workspace(name, work)
    if "skipped" in unpacked:
        return unpacked
    folder, truth, dest, manifest, left_out = (unpacked["folder"], unpacked["truth"],
        unpacked["dest"], unpacked["manifest"], unpacked["left_out"])
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
    result["sagas"] = score_sagas(report, truth)
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


def score_sagas(report, truth):
    """Saga recognition: the steps of each reviewed `[[saga]]` (read in the
    code) against the steps the report's `sagas` gives under that name."""
    reported = {s["name"]: s["steps"] for s in report.get("sagas", [])}
    wanted = truth.get("saga", [])
    names = {t["name"] for t in wanted}
    found = sum(min(reported.get(t["name"], 0), t["steps"]) for t in wanted)
    return {
        "wanted": sum(t["steps"] for t in wanted),
        "found": found,
        "missed": [f"{t['name']}: {reported.get(t['name'], 0)} of {t['steps']} steps"
                   for t in wanted if reported.get(t["name"], 0) < t["steps"]],
        "extra": [f"{t['name']}: {reported[t['name']]} steps, {t['steps']} reviewed"
                  for t in wanted if reported.get(t["name"], 0) > t["steps"]]
                 + [f"{n}: {k} steps, not reviewed" for n, k in reported.items()
                    if n not in names],
    }


def print_sagas(results):
    print(f"{'saga steps':<22} {'truth':>6} {'found':>6} {'recall':>7} {'extra':>6}")
    wanted = found = extra = 0
    for r in results:
        sagas = r.get("sagas")
        if not sagas or (not sagas["wanted"] and not sagas["extra"]):
            continue
        wanted += sagas["wanted"]
        found += sagas["found"]
        extra += len(sagas["extra"])
        rec = f"{sagas['found'] / sagas['wanted']:.0%}" if sagas["wanted"] else "-"
        print(f"{r['name']:<22} {sagas['wanted']:>6} {sagas['found']:>6} {rec:>7} "
              f"{len(sagas['extra']):>6}")
        for m in sagas["missed"]:
            print(f"{'':<24}missed   {m}")
        for x in sagas["extra"]:
            print(f"{'':<24}extra    {x}")
    rec = f"{found / wanted:.1%}" if wanted else "-"
    print(f"{'corpus total':<22} {wanted:>6} {found:>6} {rec:>7} {extra:>6}")


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
    print()
    print_sagas(results)


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


def strip_own_config(manifest):
    """Removes the configuration the repository carries itself (an archfit.toml
    next to the workspace manifest, its `[workspace.metadata.archfit]` tables),
    so `init` starts as it would for a new user; returns what was removed."""
    removed = []
    own = manifest.parent / "archfit.toml"
    if own.exists():
        own.unlink()
        removed.append(str(own.relative_to(manifest.parent)))
    text = manifest.read_text()
    kept, skipping = [], False
    for line in text.splitlines(keepends=True):
        header = re.match(r"\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$", line)
        if header:
            key = re.sub(r"[\s\"']", "", header.group(1))
            skipping = key == "workspace.metadata.archfit" or key.startswith(
                "workspace.metadata.archfit.")
        if not skipping:
            kept.append(line)
    if len(kept) != len(text.splitlines(keepends=True)):
        manifest.write_text("".join(kept))
        removed.append(f"{manifest.name} [workspace.metadata.archfit]")
    return removed


def crate_roles(args, manifest, config=None):
    """Package name -> role under a config ("shared", "platform",
    "unclassified", "excluded" or the service's name), as the tool resolves the
    config's patterns (`graph --level crate`); None when the config does not load."""
    cmd = [args.bin, "graph", "--level", "crate", "--format", "json", "--color", "never",
           "--manifest-path", str(manifest)]
    if config is not None:
        cmd += ["--config", str(config)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tempfile.gettempdir())
    try:
        graph = json.loads(proc.stdout)
    except json.JSONDecodeError:
        return None
    return {n["id"]: n.get("group") or "excluded" for n in graph.get("nodes", [])}


def written_services(config):
    """Service names and crate patterns straight from a written config, for
    when the tool rejects it and cannot say which members they take."""
    try:
        data = load(config)
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    return {s.get("name", "?"): set(s.get("crates", [])) for s in data.get("service", [])}


def review_of(folder):
    """The `[[judged]]` entries of init-review.md: the TOML of its ```toml blocks."""
    path = folder / "init-review.md"
    if not path.exists():
        return []
    blocks = re.findall(r"^```toml\n(.*?)^```", path.read_text(), flags=re.S | re.M)
    try:
        return tomllib.loads("\n".join(blocks)).get("judged", [])
    except tomllib.TOMLDecodeError as e:
        sys.exit(f"{path}: {e}")


def at_place(finding, entry):
    """Same check, file and line. The truth's `contains` may name the reviewed
    config's services, which `init` may call otherwise, so it only counts for
    an entry without a line, where it is what tells findings in one file apart."""
    if "line" in entry:
        entry = {k: v for k, v in entry.items() if k != "contains"}
    return matches(finding, entry)


SERVICE_FREE = {"shared", "platform", "unclassified", "excluded"}


def kind_of(role):
    return role if role in SERVICE_FREE else "service"


def compare_services(guessed_roles, reviewed_roles):
    """Matches each service `init` named to the reviewed services that share a
    crate with it, and lists the crates whose kind of role differs."""
    def services(roles):
        out = {}
        for crate, role in roles.items():
            if kind_of(role) == "service":
                out.setdefault(role, set()).add(crate)
        return out
    guessed, reviewed = services(guessed_roles), services(reviewed_roles)
    overlap = {g: sorted(r for r, rc in reviewed.items() if rc & gc) for g, gc in guessed.items()}
    covered = {r for rs in overlap.values() for r in rs}
    diffs = []
    for crate in sorted(set(guessed_roles) | set(reviewed_roles)):
        mine = kind_of(guessed_roles.get(crate, "excluded"))
        theirs = kind_of(reviewed_roles.get(crate, "excluded"))
        if mine != theirs:
            diffs.append({"crate": crate, "init": guessed_roles.get(crate, "excluded"),
                          "reviewed": reviewed_roles.get(crate, "excluded")})
    return {
        "guessed": len(guessed),
        "reviewed": len(reviewed),
        "found": len(covered),
        "pairs": {g: rs for g, rs in sorted(overlap.items())},
        "extra": sorted(g for g, rs in overlap.items() if not rs),
        "missed": sorted(set(reviewed) - covered),
        "merged": sorted(g for g, rs in overlap.items() if len(rs) > 1),
        "split": sorted(r for r in reviewed if sum(r in rs for rs in overlap.values()) > 1),
        "roles": diffs,
    }


def run_init(name, args, work):
    """`init` then `check` on a fresh copy without a configuration of its own."""
    unpacked = unpack_workspace(name, work)
    if "skipped" in unpacked:
        return unpacked
    folder, truth, dest, manifest, left_out = (unpacked["folder"], unpacked["truth"],
        unpacked["dest"], unpacked["manifest"], unpacked["left_out"])
    root = manifest.parent
    result = {"name": name, "removed": strip_own_config(manifest), "left_out": left_out}
    init = subprocess.run([args.bin, "init", "--manifest-path", str(manifest), "--color", "never"],
                          capture_output=True, text=True, cwd=root)
    result["init_exit"] = init.returncode
    written = root / "archfit.toml"
    if init.returncode != 0 or not written.exists():
        result["error"] = (init.stderr or init.stdout).strip()[:2000]
        return result
    # Kept next to the trees so a reviewer can read them without --keep.
    shutil.copy(written, work / f"{name}.init.toml")
    check = subprocess.run([args.bin, "check", "--manifest-path", str(manifest), "--format", "json",
                            "--color", "never"], capture_output=True, text=True, cwd=root)
    result["check_exit"] = check.returncode
    (work / f"{name}.check.json").write_text(check.stdout)
    guessed_roles = crate_roles(args, manifest)
    reviewed_roles = crate_roles(args, manifest, folder / "archfit.toml") or {}
    if guessed_roles is None:
        result["services"] = {"unloadable": written_services(written)}
    else:
        result["services"] = compare_services(guessed_roles, reviewed_roles)
    try:
        report = json.loads(check.stdout)
    except json.JSONDecodeError:
        result["error"] = check.stderr.strip()[:2000]
        return result
    result["diagnostics"] = [
        f"{d.get('severity')}: {d.get('message')}" for d in report.get("diagnostics", [])
        if d.get("severity") == "error"
    ]
    true_findings, traps = truth.get("finding", []), truth.get("trap", [])
    judged = review_of(folder)
    findings = report.get("findings", [])
    checks, sorted_errors = {}, []
    for f in findings:
        c = checks.setdefault(f["check"], {"errors": 0, "warnings": 0})
        if f["severity"] == "error":
            c["errors"] += 1
        elif f["severity"] == "warn":
            c["warnings"] += 1
        if f["severity"] != "error":
            continue
        verdict, guess = "unreviewed", None
        if any(at_place(f, t) for t in true_findings):
            verdict = "truth"
        elif any(at_place(f, t) for t in traps):
            verdict = "trap"
        else:
            for j in judged:
                if matches(f, j):
                    verdict, guess = j.get("verdict", "unreviewed"), j.get("guess")
                    break
        sorted_errors.append({
            "check": f["check"], "verdict": verdict, "guess": guess,
            "where": f"{f['location']['file']}:{f['location']['line']}",
            "message": f["message"],
        })
    result["checks"] = checks
    result["errors"] = sorted_errors
    missed = [t for t in true_findings if not any(at_place(f, t) for f in findings)]
    result["truth_found"] = len(true_findings) - len(missed)
    result["truth_missed"] = {}
    for t in missed:
        result["truth_missed"][t["check"]] = result["truth_missed"].get(t["check"], 0) + 1
    result["truth_wanted"] = len(true_findings)
    if not args.keep:
        shutil.rmtree(dest, ignore_errors=True)
    return result


def tally(errors):
    count = lambda v: sum(e["verdict"] == v for e in errors)
    return {v: count(v) for v in ("truth", "real", "trap", "noise", "unreviewed")}


def print_init(results):
    print(f"{'workspace':<20} {'init':>4} {'check':>5} {'svc found/true':>14} {'guessed':>7} "
          f"{'errors':>6} {'truth':>5} {'real':>4} {'trap':>4} {'noise':>5} {'unrev':>5} "
          f"{'noise%':>6} {'truth found':>11}")
    total = {"errors": 0, "truth": 0, "real": 0, "trap": 0, "noise": 0, "unreviewed": 0}
    guesses, exit2, within = {}, 0, 0
    for r in results:
        if "skipped" in r:
            print(f"{r['name']:<20} skipped: {r['skipped']}")
            continue
        if r.get("check_exit") == 2 or r.get("init_exit", 0) != 0:
            exit2 += 1
        if "checks" not in r:
            print(f"{r['name']:<20} {r['init_exit']:>4} {r.get('check_exit', '-'):>5} "
                  f"error: {r.get('error', '')}")
            continue
        t = tally(r["errors"])
        errors = len(r["errors"])
        total["errors"] += errors
        for key in t:
            total[key] += t[key]
        for e in r["errors"]:
            if e["verdict"] in ("noise", "trap"):
                guess = e["guess"] or ("(at a trap)" if e["verdict"] == "trap" else "(no guess named)")
                per = guesses.setdefault(guess, {})
                per[r["name"]] = per.get(r["name"], 0) + 1
        # A trap is a finding the truth already calls wrong: noise too.
        share = (t["noise"] + t["trap"]) / errors if errors else 0.0
        if share <= 0.2 and not t["unreviewed"]:
            within += 1
        s = r["services"]
        svc = f"{s['found']}/{s['reviewed']}" if "found" in s else "unloadable"
        guessed = s.get("guessed", len(s.get("unloadable", {})))
        print(f"{r['name']:<20} {r['init_exit']:>4} {r['check_exit']:>5} {svc:>14} {guessed:>7} "
              f"{errors:>6} {t['truth']:>5} {t['real']:>4} {t['trap']:>4} {t['noise']:>5} "
              f"{t['unreviewed']:>5} {share:>6.0%} {r['truth_found']:>5}/{r['truth_wanted']:<5}")
    print()
    for r in results:
        if "skipped" in r:
            continue
        print(f"== {r['name']}")
        for path in r.get("removed", []):
            print(f"   removed  {path} (the repository's own configuration)")
        s = r.get("services", {})
        if "unloadable" in s:
            for name, crates in sorted(s["unloadable"].items()):
                print(f"   service  {name}: {', '.join(sorted(crates))} (config does not load)")
        elif s:
            for g, rs in s["pairs"].items():
                print(f"   service  {g} -> {', '.join(rs) if rs else '(no reviewed service)'}")
            for m in s["missed"]:
                print(f"   missed   reviewed service {m}")
            for d in s["roles"]:
                print(f"   role     {d['crate']}: init {d['init']}, reviewed {d['reviewed']}")
        for d in r.get("diagnostics", []):
            print(f"   diag     {d}")
        if "error" in r:
            print(f"   error    {r['error']}")
        for check, c in sorted(r.get("checks", {}).items()):
            print(f"   check    {check}: {c['errors']} errors, {c['warnings']} warnings")
        for check, n in sorted(r.get("truth_missed", {}).items()):
            print(f"   missed   {n} true {check} finding{'s' if n > 1 else ''} of the reviewed truth")
        for e in r.get("errors", []):
            if e["verdict"] in ("unreviewed", "noise", "trap"):
                tag = e["verdict"] + (f" [{e['guess']}]" if e["guess"] else "")
                print(f"   {tag:<10} {e['check']} {e['where']} {e['message'][:160]}")
    print()
    errors = total["errors"]
    share = f"{(total['noise'] + total['trap']) / errors:.1%}" if errors else "-"
    print(f"corpus total: {errors} errors, {total['truth']} at true findings, {total['real']} judged "
          f"real, {total['trap']} at traps, {total['noise']} noise (with traps {share}), "
          f"{total['unreviewed']} unreviewed; {exit2} workspaces with init or check exit 2 "
          f"(or init failing); {within} within 20 % noise and fully reviewed")
    if guesses:
        print()
        print("noise by wrong guess")
        for guess, per in sorted(guesses.items(), key=lambda g: (-sum(g[1].values()), g[0])):
            where_ = ", ".join(f"{n} {c}" for n, c in sorted(per.items()))
            print(f"   {sum(per.values()):>4}  {guess}  ({where_})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", default=str(ROOT / "target/release/cargo-archfit"))
    parser.add_argument("--keep", action="store_true", help="keep the unpacked snapshots")
    parser.add_argument("--json", action="store_true", help="print the raw results as JSON")
    parser.add_argument("--init", action="store_true",
                        help="measure `init` then `check` without the reviewed config")
    parser.add_argument("names", nargs="*")
    args = parser.parse_args()
    if not Path(args.bin).exists():
        sys.exit(f"no binary at {args.bin}: run `cargo build --release` first")
    # The tool runs from the temporary folder, so a relative path would not resolve.
    args.bin = str(Path(args.bin).resolve())
    names = args.names or sorted(p.name for p in CORPUS.iterdir() if (p / "source.toml").exists())
    work = Path(os.environ.get("ARCHFIT_CORPUS_WORK", Path(tempfile.gettempdir()) / "archfit-corpus"))
    results = [(run_init if args.init else run_one)(n, args, work) for n in names]
    if args.json:
        json.dump(results, sys.stdout, indent=2)
        print()
    elif args.init:
        print_init(results)
    else:
        print_table(results)


if __name__ == "__main__":
    main()
