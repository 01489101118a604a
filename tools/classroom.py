"""The classroom exercises (nbs/5?_exercise.*.ipynb) through nbgrader: student copies, and the autograder checked.

    python tools/classroom.py check     # per exercise: the solution autogrades to full marks, the blank student copy
                                        # scores 0 on every graded cell, nothing of a solution or hidden test survives in
                                        # the student copy, which otherwise has the same cells; `N passed, N failed`
    python tools/classroom.py release   # the student copies, for a teacher, in _classroom/release/

Everything runs with nbgrader itself (`generate_assignment`, `autograde`, its preprocessors and gradebook) in a course
directory of its own under `_classroom/course/<exercise>/` (ignored by git; kept after a check so a teacher can look at
the graded copies and the gradebook; `release` uses `_classroom/release-course/`). Nothing else in the repository is written. `student_copy(nb_path)` gives the
student version of one notebook as a dict (for the docs build: the site shows student copies, never the solutions)."""
import argparse, json, os, re, shutil, subprocess, sys, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

os.environ.setdefault('OMP_NUM_THREADS', '1')  # the kernels nbgrader starts inherit it
_BIN = str(Path(sys.executable).parent)   # nbgrader's gradebook runs `alembic` from PATH: the one next to this interpreter
if _BIN not in os.environ.get('PATH', '').split(os.pathsep): os.environ['PATH'] = _BIN + os.pathsep + os.environ.get('PATH', '')
ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / '_classroom'
COURSE_ID = 'nvcim_nb'
STUDENTS = ('solution', 'student')  # the source notebook handed in as is, and the blank student copy
STUB_LINES = ('# YOUR CODE HERE', 'raise NotImplementedError()', 'YOUR ANSWER HERE')
REGIONS = (('### BEGIN SOLUTION', '### END SOLUTION'), ('### BEGIN HIDDEN TESTS', '### END HIDDEN TESTS'))
CELL_TIMEOUT = 300  # seconds one cell may run under the autograder (nbgrader's default is 30)

def exercises():
    "The exercise notebooks, in order."
    return sorted((ROOT / 'nbs').glob('5[0-8]_exercise.*.ipynb'))

def assignment_id(nb_path):
    "nbgrader's assignment name for an exercise notebook: `ex` and its number, e.g. ex50."
    return 'ex' + Path(nb_path).name.split('_')[0]

def _src(cell): return ''.join(cell['source']) if isinstance(cell['source'], list) else cell['source']

def student_copy(nb_path)->dict:
    "The student version of notebook `nb_path` (solutions stubbed out, hidden tests and outputs removed), by nbgrader's preprocessors, as a notebook dict."
    import nbformat
    from nbgrader.preprocessors import (LockCells, ClearSolutions, ClearOutput, CheckCellMetadata, ComputeChecksums,
                                        ClearHiddenTests, ClearMarkScheme)
    nb, resources = nbformat.read(str(nb_path), as_version=4), {}
    # generate_assignment's pipeline, less the steps that need a gradebook (IncludeHeaderFooter, SaveCells)
    for pp in (LockCells(), ClearSolutions(), ClearOutput(), CheckCellMetadata(), ComputeChecksums(), ClearHiddenTests(),
               ClearMarkScheme(), ComputeChecksums(), CheckCellMetadata()):
        nb, resources = pp.preprocess(nb, resources)
    return json.loads(nbformat.writes(nb))

# ---------------------------------------------------------------------------------------------------------------
# nbgrader in a course directory of its own

def _api(course):
    from traitlets.config import Config
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    cfg = Config()
    cfg.CourseDirectory.root = str(course)
    cfg.CourseDirectory.course_id = COURSE_ID
    cfg.CourseDirectory.db_url = f"sqlite:///{course / 'gradebook.db'}"
    cfg.Execute.timeout = CELL_TIMEOUT
    cfg.NbGrader.logfile = str(course / 'nbgrader.log')
    return NbGraderAPI(coursedir=CourseDirectory(config=cfg), config=cfg)

def _need(result, what):
    if not result.get('success'): raise RuntimeError(f"nbgrader {what} failed:\n{(result.get('error') or '')[-3000:]}\n{(result.get('log') or '')[-3000:]}")

def generate(nb_path, course):
    "Run nbgrader generate_assignment for one exercise in `course`; the path of the student copy."
    aid, name = assignment_id(nb_path), Path(nb_path).name
    if course.exists(): shutil.rmtree(course)
    (course / 'source' / aid).mkdir(parents=True)
    shutil.copy(nb_path, course / 'source' / aid / name)
    _need(_api(course).generate_assignment(aid), 'generate_assignment')
    return course / 'release' / aid / name

def grade(nb_path, course)->dict:
    "Generate the student copy, autograde the solution and the student copy; {student: (score, max, [cells below full marks])}."
    from nbgrader.api import Gradebook
    aid, name = assignment_id(nb_path), Path(nb_path).name
    released = generate(nb_path, course)
    for student, src in zip(STUDENTS, (nb_path, released)):
        d = course / 'submitted' / student / aid
        d.mkdir(parents=True)
        shutil.copy(src, d / name)
    api, out = _api(course), {}
    for student in STUDENTS: _need(api.autograde(aid, student), f'autograde ({student})')
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in STUDENTS:
            sn = gb.find_submission_notebook(Path(name).stem, aid, student)
            low = sorted(g.name for g in sn.grades if (g.score or 0) < g.max_score)
            zero = all((g.score or 0) == 0 for g in sn.grades)
            out[student] = dict(score=float(sn.score), max=float(sn.max_score), below=low, all_zero=zero)
    return out

# ---------------------------------------------------------------------------------------------------------------
# the text checks

def _split(src):
    "(lines outside the marked regions, lines inside them) of a cell's source; the marker lines belong to neither."
    outside, inside, open_ = [], [], None
    for line in src.split('\n'):
        s = line.strip()
        if open_ is None:
            start = next((r for r in REGIONS if s == r[0]), None)
            if start: open_ = start
            else: outside.append(line.rstrip())
        elif s == open_[1]: open_ = None
        else: inside.append(line.rstrip())
    return outside, inside

def leaks(source_nb:dict, student_nb:dict)->list:
    "Lines of a solution region or hidden test (non-blank) that survive anywhere in the student copy, and any marker left."
    secret = {l.strip() for c in source_nb['cells'] for l in _split(_src(c))[1] if l.strip()}
    seen = {l.strip() for c in student_nb['cells'] for l in _src(c).split('\n')}
    found = sorted(secret & seen)
    found += [m for r in REGIONS for m in r if any(m in _src(c) for c in student_nb['cells'])]
    return found

def differences(source_nb:dict, student_nb:dict)->list:
    "Where the student copy differs from the source other than by its removed regions and nbgrader's stubs."
    a, b = source_nb['cells'], student_nb['cells']
    if len(a) != len(b): return [f"{len(a)} cells in the source, {len(b)} in the student copy"]
    out = []
    for i, (ca, cb) in enumerate(zip(a, b)):
        if ca['cell_type'] != cb['cell_type']: out.append(f"cell {i}: {ca['cell_type']} became {cb['cell_type']}"); continue
        ga, gb = (c.get('metadata', {}).get('nbgrader', {}).get('grade_id') for c in (ca, cb))
        if ga != gb: out.append(f"cell {i}: grade_id {ga!r} became {gb!r}")
        keep = [l for l in _split(_src(ca))[0]]
        got = [l.rstrip() for l in _src(cb).split('\n') if l.strip() not in STUB_LINES]
        strip_blank = lambda ls: [l for l in ls if l.strip()]
        if strip_blank(keep) != strip_blank(got): out.append(f"cell {i} ({ga or ca['cell_type']}): its other lines changed")
    return out

def metadata_problems(nb:dict)->list:
    "nbgrader metadata that is missing or inconsistent: every solution region in a solution cell, every hidden test in a locked graded cell with points."
    out, ids = [], set()
    for i, c in enumerate(nb['cells']):
        m, src = c.get('metadata', {}).get('nbgrader'), _src(c)
        has_sol, has_hidden = REGIONS[0][0] in src, REGIONS[1][0] in src
        if m is None:
            if has_sol or has_hidden: out.append(f"cell {i}: markers but no nbgrader metadata")
            continue
        gid = m.get('grade_id')
        if not gid or gid in ids: out.append(f"cell {i}: grade_id {gid!r} missing or repeated")
        ids.add(gid)
        if m.get('schema_version') != 3: out.append(f"cell {i} ({gid}): schema_version {m.get('schema_version')!r}, not 3")
        if has_sol and not m.get('solution'): out.append(f"cell {i} ({gid}): a solution region in a cell not marked solution")
        if m.get('solution') and not has_sol: out.append(f"cell {i} ({gid}): a solution cell without a solution region")
        if m.get('grade'):
            if not m.get('locked'): out.append(f"cell {i} ({gid}): a graded test cell that is not locked")
            if not (m.get('points') or 0) > 0: out.append(f"cell {i} ({gid}): a graded cell without points")
        if has_hidden and not (m.get('grade') and m.get('locked')): out.append(f"cell {i} ({gid}): hidden tests outside a locked graded cell")
    if not any(c.get('metadata', {}).get('nbgrader', {}).get('grade') for c in nb['cells']): out.append("no graded cell")
    return out

# ---------------------------------------------------------------------------------------------------------------

def check_one(nb_path):
    "All checks of one exercise: a list of (ok, message) and the grades."
    name, course = Path(nb_path).stem, OUT / 'course' / assignment_id(nb_path)
    src = json.loads(Path(nb_path).read_text())
    res = []
    meta = metadata_problems(src)
    res.append((not meta, f"{name}: nbgrader metadata " + ('complete (solution cells, locked graded test cells with points, schema 3)' if not meta else '; '.join(meta))))
    t = time.time()
    try: g = grade(nb_path, course)
    except Exception as e:
        return res + [(False, f"{name}: nbgrader crashed: {e}")], None
    dt = time.time() - t
    s, b = g['solution'], g['student']
    res.append((s['score'] == s['max'] and s['max'] > 0, f"{name}: solution autogrades to {s['score']:g}/{s['max']:g}"
                + (f" (below full marks: {', '.join(s['below'])})" if s['below'] else '')))
    res.append((b['score'] < b['max'] and b['all_zero'], f"{name}: blank student copy autogrades to {b['score']:g}/{b['max']:g}"
                + ('' if b['all_zero'] else ' (some graded cell scored with a blank answer)')))
    stu = json.loads((course / 'release' / assignment_id(nb_path) / Path(nb_path).name).read_text())
    lk = leaks(src, stu)
    res.append((not lk, f"{name}: nothing of a solution or hidden test in the student copy" if not lk
                else f"{name}: the student copy still holds {lk[:5]}{' ...' if len(lk) > 5 else ''}"))
    df = differences(src, stu)
    res.append((not df, f"{name}: student copy has the same {len(src['cells'])} cells otherwise" if not df else f"{name}: " + '; '.join(df[:5])))
    mine = student_copy(nb_path)
    same = [_src(c) for c in mine['cells']] == [_src(c) for c in stu['cells']]
    res.append((same, f"{name}: student_copy() gives nbgrader's generated student copy" if same else f"{name}: student_copy() differs from generate_assignment's copy"))
    return res, dict(g, seconds=dt)

def cmd_check(workers):
    t0, passed, failed, grades = time.time(), 0, 0, {}
    nbs = exercises()
    if not nbs: print("FAIL no exercise notebooks (nbs/5?_exercise.*.ipynb)"); print("0 passed, 1 failed"); return 1
    with ThreadPoolExecutor(workers) as ex:   # each exercise's nbgrader run happens in a process of its own
        futs = [(nb, ex.submit(_check_in_subprocess, nb)) for nb in nbs]
        for nb, fut in futs:
            res, g = fut.result()
            for ok, msg in res:
                print(f"{'ok  ' if ok else 'FAIL'} {msg}", flush=True)
                passed, failed = passed + ok, failed + (not ok)
            if g: grades[nb.stem] = g
    print(f"classroom check: {len(nbs)} exercises, {time.time() - t0:.0f} s")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0

def _check_in_subprocess(nb):
    "`check_one` in a fresh interpreter (nbgrader's apps are configurable singletons: one course per process)."
    course = OUT / 'course' / assignment_id(nb)
    course.parent.mkdir(parents=True, exist_ok=True)
    try:
        r = subprocess.run([sys.executable, __file__, '_one', str(nb)], cwd=course.parent, capture_output=True, text=True,
                           timeout=1200)
    except subprocess.TimeoutExpired: return [(False, f"{nb.stem}: timed out after 1200 s")], None
    line = next((l for l in reversed(r.stdout.splitlines()) if l.startswith('{')), None)
    if line is None: return [(False, f"{nb.stem}: check crashed:\n{(r.stdout + r.stderr)[-3000:]}")], None
    d = json.loads(line)
    return [tuple(x) for x in d['res']], d['grades']

def _release_one(nb):
    "generate_assignment of one exercise in its own process, in `_classroom/release-course/<assignment>/`; an error message or None."
    course = OUT / 'release-course' / assignment_id(nb)
    course.parent.mkdir(parents=True, exist_ok=True)
    r = subprocess.run([sys.executable, __file__, '_generate', str(nb), str(course)], cwd=course.parent, capture_output=True, text=True)
    return (r.stdout + r.stderr)[-2000:] if r.returncode else None

def cmd_release(workers):
    dest = OUT / 'release'
    dest.mkdir(parents=True, exist_ok=True)
    nbs, bad = exercises(), 0
    with ThreadPoolExecutor(workers) as ex: errs = list(ex.map(_release_one, nbs))
    for nb, err in zip(nbs, errs):
        if err: print(f"FAIL {nb.name}: {err}"); bad += 1; continue
        shutil.copy(OUT / 'release-course' / assignment_id(nb) / 'release' / assignment_id(nb) / nb.name, dest / nb.name)
        print(f"ok   {(dest / nb.name).relative_to(ROOT)}")
    return 1 if bad else 0

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('command', choices=['check', 'release', '_one', '_generate'])
    ap.add_argument('notebook', nargs='?')
    ap.add_argument('course', nargs='?')
    ap.add_argument('--workers', type=int, default=min(2, os.cpu_count() or 1))
    a = ap.parse_args()
    if a.command == 'check': return cmd_check(a.workers)
    if a.command == 'release': return cmd_release(a.workers)
    nb = Path(a.notebook)
    if a.command == '_generate': generate(nb, Path(a.course)); return 0
    res, g = check_one(nb)
    print(json.dumps(dict(res=res, grades=g)))
    return 0

if __name__ == '__main__': sys.exit(main())
