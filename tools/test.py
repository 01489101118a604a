"""nvcim_nb's test command: the library is in sync with the notebooks, notebooks are clean,
the README matches nbs/index.ipynb, and every notebook runs top to bottom (nbdev's test_nb).

    python tools/test.py                  # fast notebooks (skips cells flagged slow / cuda)
    python tools/test.py --flags slow     # also the slow sweeps
    python tools/test.py nbs/10_device.ipynb   # just some notebooks (skips the site and classroom checks)
    python tools/test.py --no-site        # skip building the site, its browser check and the classroom check

Each notebook runs in a fresh interpreter, with a time limit, so a crash or a hang fails that notebook alone. The sync check runs nbdev_export and nbdev_clean on a temporary copy, so it
never edits your files. Then the documentation site: nbdev's docs processing of every notebook (one check each), the
offline build (tools/docs.py), the browser check of every page in headless Chromium (tools/docs_check.py, one check per
page; skipped where /usr/bin/chromium is missing, failed in CI), and the classroom's autograder check (tools/classroom.py).
Prints one line per check and notebook, and closes with `N passed, N failed`."""
import argparse, filecmp, json, os, re, shutil, subprocess, sys, tempfile, time, traceback
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

INSTALL = '! [ -e /content ] || [ -e /kaggle ] && pip install -q "nvcim_nb @ git+https://github.com/nvcim-nb/nvcim_nb"'

def lessons_check():
    "Every notebook starts with the hosted-notebook install cell and states its run time, and is on the sidebar."
    sys.path.insert(0, str(ROOT/'tools'))
    from docs import notebooks, listed, sidebar  # the site's own reading of the notebooks and the sidebar
    on_sidebar, bad = set(listed(sidebar())), []
    for fn in notebooks():
        cells = json.loads(fn.read_text())['cells']
        src = lambda c: ''.join(c['source'])
        name = fn.relative_to(ROOT/'nbs').as_posix()
        if not cells or src(cells[0]).strip() != '#| hide\n' + INSTALL: bad.append(f"{name}: cell 0 is not the install cell")
        if not any(re.search(r'^\*Run time: ', src(c), re.M) for c in cells[:5] if c['cell_type'] == 'markdown'):
            bad.append(f"{name}: no '*Run time: ...*' line in its first cells")
        if name not in on_sidebar: bad.append(f"{name}: not in nbs/sidebar.yml")
    if bad: return False, "lessons: " + "; ".join(bad)
    return True, f"lessons: {len(notebooks())} notebooks start with the install cell, state their run time, are on the sidebar"

def run_tool(args, count_lines, timeout=1800):
    "Run one of tools/*.py; (passed, failed) counted from its per-check lines, which are echoed, and its exit status."
    t = time.time()
    try: r = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired: print(f"FAIL {args[0]} timed out after {timeout}s", flush=True); return 0, 1
    out = r.stdout + r.stderr
    passed, failed = count_lines(out)
    for line in out.splitlines():
        if line.startswith(('FAIL', '     ', 'site:', 'browser:', 'nbdev processing', 'skip', '{')) and '"ok": true' not in line: print('     ' + line[:2000], flush=True)
    if r.returncode and not failed:
        print('     ' + out.strip()[-3000:].replace('\n', '\n     '), flush=True); failed = 1
    print(f"{'ok  ' if not failed else 'FAIL'} {args[0]} ({time.time()-t:.0f}s)", flush=True)
    return passed, failed

def proc_counts(out): return len(re.findall(r'^ok\s+proc ', out, re.M)) + bool(re.search(r'^site: ', out, re.M)), \
                             len(re.findall(r'^FAIL', out, re.M))
def json_counts(out):
    rs = [json.loads(l) for l in out.splitlines() if l.startswith('{')]
    return sum(r['ok'] for r in rs), sum(not r['ok'] for r in rs)
def summary_counts(out):
    m = re.findall(r'^(\d+) passed, (\d+) failed', out, re.M)
    return (int(m[-1][0]), int(m[-1][1])) if m else (0, 1)

def site_checks():
    "The docs build (nbdev's processing of every notebook + the offline site), the browser check, the classroom check."
    passed, failed = run_tool(['tools/docs.py'], proc_counts)
    if not failed:
        if Path(CHROMIUM).exists(): p, f = run_tool(['tools/docs_check.py'], json_counts)
        elif os.environ.get('CI') == 'true': print(f"FAIL browser check: no {CHROMIUM} (apt-get install chromium)"); p, f = 0, 1
        else: print(f"skip browser check: no {CHROMIUM} (apt-get install chromium)"); p, f = 0, 0
        passed, failed = passed + p, failed + f
    if (ROOT/'tools'/'classroom.py').exists():
        p, f = run_tool(['tools/classroom.py', 'check'], summary_counts)
        passed, failed = passed + p, failed + f
    return passed, failed

CHROMIUM = '/usr/bin/chromium'

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('notebooks', nargs='*', help='notebooks to run (default: all in nbs/)')
    ap.add_argument('--flags', nargs='*', default=[], help='tst_flags to run too, e.g. slow')
    ap.add_argument('--workers', type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument('--timeout', type=int, default=900, help='seconds one notebook may take')
    ap.add_argument('--no-site', action='store_true', help='skip the site build, its browser check and the classroom check')
    args = ap.parse_args()
    passed = failed = 0
    t0 = time.time()
    for name, f in (('sync', sync_check), ('readme', readme_check), ('lessons', lessons_check)):
        ok, msg = _check(name, f)
        print(f"{'ok  ' if ok else 'FAIL'} {msg}", flush=True)
        passed, failed = passed + ok, failed + (not ok)
    sys.path.insert(0, str(ROOT/'tools'))
    from docs import notebooks
    nbs = [Path(n).resolve() for n in args.notebooks] or notebooks()
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(args.workers) as ex:
        futs = [(fn, ex.submit(run_notebook, fn, args.flags, args.timeout)) for fn in nbs]
        for fn, fut in futs:
            ok, dt, out = fut.result()
            print(f"{'ok  ' if ok else 'FAIL'} {fn.relative_to(ROOT)} ({dt:.1f}s)", flush=True)
            if not ok: print('     ' + out.strip().replace('\n', '\n     '), flush=True)
            passed, failed = passed + ok, failed + (not ok)
    if not (args.no_site or args.notebooks):
        p, f = site_checks()
        passed, failed = passed + p, failed + f
    print(f"total time {time.time()-t0:.0f}s")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)

if __name__ == '__main__': main()
