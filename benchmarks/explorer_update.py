"""Time of one live update of the explorer (nvcim_nb.explorer) over one plain `mc_evaluate` call of the same size.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/explorer_update.py [--n-chips 100] [--repeats 3]

An update is what moving one control costs: a widget value set from code (`ex.w_sigma.value = ...`), which recomputes the
whole setting (crossbar conversion, write-verify masks, the per-weight std, chip 0's deviations, `mc_evaluate` over
n_chips chips of the bench's MLP on the 359 digits test images) and redraws the three-panel figure into the output
widget (matplotlib figure + PNG). The floor is one `mc_evaluate` of the same model, chips and test set (what any
update must at least do). Updates cycle through the controls (sigma, preset, fraction, selection, noise shape,
convention, layer); the floor runs between them, so load drift hits both alike. Prints the median of each and their
ratio (wall clock, and this process's CPU time, which other load inflates less), and the update split into computing
and drawing. Target: an update under 1 s on a laptop CPU."""
import argparse, os, statistics, time, warnings
os.environ.setdefault('OMP_NUM_THREADS', '1')
warnings.filterwarnings('ignore', message='.*torch.jit.script.*')
import torch
from nvcim_nb.crossbar import CrossbarConfig, convert_to_crossbar
from nvcim_nb.evaluate import mc_evaluate
from nvcim_nb.explorer import Explorer, make_bench, explore_setting, explorer_device, plot_setting, _png

CHANGES = [('sigma', 1.3), ('preset', 'FeFET6'), ('fraction', 0.3), ('method', 'uswim'), ('noise', 'censored'),
           ('convention', 'relative'), ('sigma', 0.3), ('layer', 'fc3'), ('method', 'magnitude'), ('preset', 'SWIM'),
           ('noise', 'gaussian'), ('convention', 'swim'), ('sigma', 0.8), ('layer', 'fc2'), ('method', 'swim'), ('fraction', 0.1)]

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--n-chips', type=int, default=100)
    ap.add_argument('--repeats', type=int, default=3, help='passes over the list of control changes')
    args = ap.parse_args()
    t = time.perf_counter()
    bench = make_bench()
    print(f"torch threads {torch.get_num_threads()}; {bench}; bench built in {time.perf_counter() - t:.1f} s")
    ex = Explorer(bench, n_chips=args.n_chips, layer='fc2')
    xm = convert_to_crossbar(bench.model, CrossbarConfig(device=explorer_device('RRAM4')), inplace=False)
    floor = lambda: mc_evaluate(xm, (bench.x, bench.y), n_chips=args.n_chips, sigma=1., seed=0, progress=False)
    floor()
    ups, mcs, comp, draw, ups_cpu, mcs_cpu = [], [], [], [], [], []
    for _ in range(args.repeats):
        for name, value in CHANGES:
            w = getattr(ex, f'w_{name}')
            if w.value == value: continue
            t, c = time.perf_counter(), time.process_time(); w.value = value
            ups.append(time.perf_counter() - t); ups_cpu.append(time.process_time() - c)
            assert ex.error is None and ex.result.setting[name] == value, (name, value, ex.error)
            t, c = time.perf_counter(), time.process_time(); floor()
            mcs.append(time.perf_counter() - t); mcs_cpu.append(time.process_time() - c)
        s = ex.setting   # the split of one update: compute (no figure), figure, PNG
        t = time.perf_counter(); r = explore_setting(bench, n_chips=args.n_chips, plot=False, **s); t1 = time.perf_counter()
        f = plot_setting(r); t2 = time.perf_counter(); _png(f); t3 = time.perf_counter()
        comp.append(t1 - t); draw.append(t3 - t1)
    med = statistics.median
    print(f"{len(ups)} updates, {args.n_chips} chips x {len(bench.y)} test images each")
    print(f"median update (set a control -> figure in the output widget): {med(ups):.3f} s  (min {min(ups):.3f}, max {max(ups):.3f})")
    print(f"  of which: compute {med(comp):.3f} s, figure + PNG {med(draw):.3f} s")
    print(f"median plain mc_evaluate of the same size: {med(mcs):.3f} s")
    print(f"ratio update / mc_evaluate: {med(ups) / med(mcs):.2f}")
    print(f"CPU time (this process, less sensitive to other load): update {med(ups_cpu):.3f} s, mc_evaluate {med(mcs_cpu):.3f} s, "
          f"ratio {med(ups_cpu) / med(mcs_cpu):.2f}")
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")

if __name__ == '__main__': main()
