"""nvcim_nb's test command: the library is in sync with the notebooks, notebooks are clean,
the README matches nbs/index.ipynb, and every notebook runs top to bottom (nbdev's test_nb).

    python tools/test.py                  # fast notebooks (skips cells flagged slow / cuda)
    python tools/test.py --flags slow     # also the slow sweeps
    python tools/test.py nbs/10_device.ipynb   # just some notebooks

Each notebook runs in a fresh interpreter, with a time limit, so a crash or a hang fails that notebook alone. The sync check runs nbdev_export and nbdev_clean on a temporary copy, so it
never edits your files. Prints one line per check and notebook, and closes with `N passed, N failed`."""
import argparse, filecmp, json, os, shutil, subprocess, sys, tempfile, time, traceback
from pathlib import Path

os.environ.setdefault('OMP_NUM_THREADS', '1')  # torch's default threads are slower on small shared CPUs
ROOT = Path(__file__).resolve().parent.parent
SYNCED = ('nbs', 'nvcim_nb')

def check_sync():
    "Files that nbdev_export + nbdev_clean would change (the committed state was not exported and cleaned)."
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for f in ('settings.ini', 'setup.py'): shutil.copy(ROOT/f, tmp/f)
        for d in SYNCED: shutil.copytree(ROOT/d, tmp/d, ignore=shutil.ignore_patterns('__pycache__', '.ipynb_checkpoints', '_proc'))
        code = "from nbdev.doclinks import nbdev_export; from nbdev.clean import nbdev_clean; nbdev_export.__wrapped__(); nbdev_clean.__wrapped__()"
        r = subprocess.run([sys.executable, '-c', code], cwd=tmp, capture_output=True, text=True)
        if r.returncode: raise RuntimeError(f"nbdev_export/nbdev_clean failed:\n{r.stderr[-2000:]}")
        changed = []
        for d in SYNCED:
            for p in sorted((tmp/d).rglob('*')):
                if p.is_file() and p.suffix in ('.py', '.ipynb') and '__pycache__' not in p.parts:
                    orig = ROOT/p.relative_to(tmp)
                    if not orig.exists() or not filecmp.cmp(p, orig, shallow=False): changed.append(str(p.relative_to(tmp)))
        return changed

def _check(name, f):
    "Run a check; (ok, message). A check that crashes counts as failed, with its error."
    try: return f()
    except Exception as e: return False, f"{name} crashed: {e!r}\n{traceback.format_exc(limit=3)}"

def sync_check():
    changed = check_sync()
    if changed: return False, f"sync: nbdev_export/nbdev_clean would change {', '.join(changed)} (run them and commit)"
    return True, "sync: library exported from notebooks, notebooks clean"

def readme_check():
    sys.path.insert(0, str(ROOT/'tools'))
    from readme import render
    if (ROOT/'README.md').read_text() != render(): return False, "readme: README.md differs from nbs/index.ipynb (run python tools/readme.py)"
    return True, "readme: README.md matches nbs/index.ipynb"

RUN_NB = """import sys, json, warnings
warnings.filterwarnings('ignore', message='.*torch.jit.script.*')
from pathlib import Path
from nbdev.test import test_nb
flags = json.loads(sys.argv[2])
ok, _ = test_nb(Path(sys.argv[1]), skip_flags=[f for f in ('slow', 'cuda') if f not in flags], force_flags=flags, do_print=False, showerr=True)
sys.exit(0 if ok else 1)"""

def run_notebook(fn, flags, timeout):
    "Execute one notebook with nbdev's test_nb in a fresh interpreter; (ok, seconds, output). A crash or a hang fails it alone."
    t = time.time()
    try:
        r = subprocess.run([sys.executable, '-c', RUN_NB, str(fn), json.dumps(flags)], cwd=ROOT, capture_output=True, text=True, timeout=timeout)
        return r.returncode == 0, time.time() - t, f"exit status {r.returncode}\n" + (r.stdout + r.stderr)[-4000:]
    except subprocess.TimeoutExpired: return False, time.time() - t, f"timed out after {timeout}s"

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('notebooks', nargs='*', help='notebooks to run (default: all in nbs/)')
    ap.add_argument('--flags', nargs='*', default=[], help='tst_flags to run too, e.g. slow')
    ap.add_argument('--workers', type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument('--timeout', type=int, default=900, help='seconds one notebook may take')
    args = ap.parse_args()
    passed = failed = 0
    t0 = time.time()
    for name, f in (('sync', sync_check), ('readme', readme_check)):
        ok, msg = _check(name, f)
        print(f"{'ok  ' if ok else 'FAIL'} {msg}", flush=True)
        passed, failed = passed + ok, failed + (not ok)
    nbs = [Path(n).resolve() for n in args.notebooks] or sorted(p for p in (ROOT/'nbs').rglob('*.ipynb')
           if not any(part.startswith(('_', '.')) for part in p.relative_to(ROOT/'nbs').parts))
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(args.workers) as ex:
        futs = [(fn, ex.submit(run_notebook, fn, args.flags, args.timeout)) for fn in nbs]
        for fn, fut in futs:
            ok, dt, out = fut.result()
            print(f"{'ok  ' if ok else 'FAIL'} {fn.relative_to(ROOT)} ({dt:.1f}s)", flush=True)
            if not ok: print('     ' + out.strip().replace('\n', '\n     '), flush=True)
            passed, failed = passed + ok, failed + (not ok)
    print(f"total time {time.time()-t0:.0f}s")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)

if __name__ == '__main__': main()
