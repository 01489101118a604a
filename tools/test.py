"""nvcim_nb's test command: the library is in sync with the notebooks, notebooks are clean,
the README matches nbs/index.ipynb, and every notebook runs top to bottom (nbdev's test_nb).

    python tools/test.py                  # fast notebooks (skips cells flagged slow / cuda)
    python tools/test.py --flags slow     # also the slow sweeps
    python tools/test.py nbs/10_device.ipynb   # just some notebooks

Prints one line per notebook and closes with `N passed, N failed`."""
import argparse, hashlib, os, subprocess, sys, time
from pathlib import Path

os.environ.setdefault('OMP_NUM_THREADS', '1')  # torch's default threads are slower on small shared CPUs
ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

def _snapshot():
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for d in ('nbs', 'nvcim_nb')
            for p in sorted((ROOT/d).rglob('*')) if p.is_file() and p.suffix in ('.ipynb', '.py') and '.ipynb_checkpoints' not in p.parts}

def check_sync():
    "Run nbdev_export and nbdev_clean; report files they changed (meaning the commit was not in sync)."
    before = _snapshot()
    for cmd in ('nbdev_export', 'nbdev_clean'):
        subprocess.run([str(BIN/cmd)], cwd=ROOT, check=True, capture_output=True)
    after = _snapshot()
    return sorted(str(p.relative_to(ROOT)) for p in set(before) | set(after) if before.get(p) != after.get(p))

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('notebooks', nargs='*', help='notebooks to run (default: all in nbs/)')
    ap.add_argument('--flags', nargs='*', default=[], help='tst_flags to run too, e.g. slow')
    ap.add_argument('--workers', type=int, default=min(2, os.cpu_count() or 1))
    args = ap.parse_args()
    passed = failed = 0
    t0 = time.time()
    changed = check_sync()
    if changed: print(f"FAIL sync: nbdev_export/nbdev_clean changed {', '.join(changed)} (commit the exported, cleaned state)"); failed += 1
    else: print("ok   sync: library exported from notebooks, notebooks clean"); passed += 1
    sys.path.insert(0, str(ROOT/'tools'))
    from readme import render
    if (ROOT/'README.md').read_text() != render(): print("FAIL readme: README.md differs from nbs/index.ipynb (run python tools/readme.py)"); failed += 1
    else: print("ok   readme: README.md matches nbs/index.ipynb"); passed += 1
    nbs = [Path(n).resolve() for n in args.notebooks] or sorted(p for p in (ROOT/'nbs').rglob('*.ipynb')
           if not any(part.startswith(('_', '.')) for part in p.relative_to(ROOT/'nbs').parts))
    from concurrent.futures import ProcessPoolExecutor
    from functools import partial
    from nbdev.test import test_nb  # executes a notebook in a fresh shell; returns (ok, seconds)
    run = partial(test_nb, skip_flags=[f for f in ('slow', 'cuda') if f not in args.flags], force_flags=args.flags, do_print=False, showerr=True)
    with ProcessPoolExecutor(args.workers) as ex:
        for fn, (ok, dt) in zip(nbs, ex.map(run, nbs)):
            print(f"{'ok  ' if ok else 'FAIL'} {fn.relative_to(ROOT)} ({dt:.1f}s)", flush=True)
            passed, failed = passed + ok, failed + (not ok)
    print(f"total time {time.time()-t0:.0f}s")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)

if __name__ == '__main__': main()
