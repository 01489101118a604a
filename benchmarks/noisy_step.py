"""Cost of training with fresh device noise over clean training, measured in one run (ratios, not timings).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/noisy_step.py [--device cpu] [--steps 20] [--repeats 5]

1. noise-injection step: one training step of the crossbar model inside `resampling` (a fresh programming-noise draw in
   every layer at every forward) over the same step of the plain torch model. Target <= 1.3.
2. OVF's pattern: four noisy forwards of one step (sigma, sigma+0.15, +0.10, +0.05, inside `same_weights`) and one
   backward through all of them, over one clean forward+backward. Target <= 4.3.
3. stuck-at faults: a noisy forward of a 1M-weight layer with p_stuck_on = p_stuck_off = 0.5% (and 0.05%) over the same
   noisy forward without faults. Target <= 2.
4. host syncs per noisy forward+backward (CUDA: torch's sync debug mode; CPU: a counter of `aten._local_scalar_dense`).
Clean and noisy runs alternate; each side reports its best of `--repeats` runs of `--steps` steps (VGG-8: a tenth)."""
import argparse, os, time, warnings
os.environ.setdefault('OMP_NUM_THREADS', '1')
warnings.filterwarnings('ignore', message='.*torch.jit.script.*')
import torch, torch.nn.functional as F
from torch.utils._python_dispatch import TorchDispatchMode
from nvcim_nb.core import get_device, set_seed
from nvcim_nb.models import get_model
from nvcim_nb.device import preset
from nvcim_nb.crossbar import convert_to_crossbar, CrossbarConfig, crossbar_layers
from nvcim_nb.chip import resampling, same_weights

def sync(device):
    if device.type == 'cuda': torch.cuda.synchronize()

def best_pair(f, g, steps, repeats, device):
    "Best-of-`repeats` seconds per step of `f` and of `g`, measured alternately."
    tf, tg = [], []
    for _ in range(repeats):
        for fn, ts in ((f, tf), (g, tg)):
            sync(device); t = time.perf_counter()
            for _ in range(steps): fn()
            sync(device); ts.append((time.perf_counter() - t) / steps)
    return min(tf), min(tg)

def stepper(model, x, y, forwards):
    "One optimiser step whose loss sums the forwards that `forwards(model, x)` returns."
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    def step():
        loss = sum(F.cross_entropy(z, y) for z in forwards(model, x))
        opt.zero_grad(); loss.backward(); opt.step()
    return step

def clean(m, x): return [m(x)]
def noisy(m, x):
    with resampling(m): return [m(x)]
def ovf(m, x):
    with same_weights(m):
        zs = []
        for d in (0., 0.15, 0.10, 0.05):
            with resampling(m, offset=d): zs.append(m(x))
    return zs

class HostSyncs(TorchDispatchMode):
    n = 0
    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if func is torch.ops.aten._local_scalar_dense.default: self.n += 1
        return func(*args, **(kwargs or {}))

def host_syncs(model, x, y, device):
    "Host syncs in one noisy forward+backward."
    if device.type == 'cuda':
        torch.cuda.set_sync_debug_mode('warn')
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter('always')
            F.cross_entropy(noisy(model, x)[0], y).backward()
        torch.cuda.set_sync_debug_mode(0)
        return sum('synchroniz' in str(m.message) for m in w)
    with HostSyncs() as hs: F.cross_entropy(noisy(model, x)[0], y).backward()
    return hs.n

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--steps', type=int, default=20)
    ap.add_argument('--repeats', type=int, default=5)
    ap.add_argument('--device', default=None)
    args = ap.parse_args()
    device = get_device(args.device)
    set_seed(0)
    print(f"device {device}, torch threads {torch.get_num_threads()}")
    cases = [('LeNet-5, digits (bs 32, 16px)', 'lenet', 1, 16, 32, 1.), ('VGG-8 x0.25 (bs 128, 32px)', 'vgg8', 3, 32, 128, 0.25)]
    print(f"\n{'model':<32}{'preset':<8}{'clean ms':>9}{'noisy ms':>9}{'noise/clean':>12}{'OVF ms':>9}{'OVF/clean':>10}{'syncs':>6}")
    for label, name, c, size, bs, width in cases:
        x, y = torch.randn(bs, c, size, size, device=device), torch.randint(0, 10, (bs,), device=device)
        for pname in ('SWIM', 'RRAM4', 'FeFET2'):
            plain = get_model(name, c_in=c, n_classes=10, img_size=size, width=width).to(device)
            xm = convert_to_crossbar(plain, CrossbarConfig(device=preset(pname, sigma=0.1)))
            fc, fn, fo = stepper(plain, x, y, clean), stepper(xm, x, y, noisy), stepper(xm, x, y, ovf)
            for f in (fc, fn, fo): f()                                  # warm up
            steps = args.steps if name == 'lenet' else max(2, args.steps // 10)   # VGG-8 steps are 100x longer
            tc, tn = best_pair(fc, fn, steps, args.repeats, device)
            tc2, to = best_pair(fc, fo, steps, args.repeats, device)
            n_sync = host_syncs(xm, x, y, device)
            print(f"{label:<32}{pname:<8}{1e3*tc:>9.2f}{1e3*tn:>9.2f}{tn/tc:>12.2f}{1e3*to:>9.2f}{to/tc2:>10.2f}{n_sync:>6}")

    print("\nstuck-at faults: one noisy forward of a 1024x1024 crossbar layer (1M weights, both arrays of every pair)")
    w_in = torch.randn(64, 1024, device=device)
    for pname, p in (('SWIM', 0.005), ('SWIM', 0.0005), ('RRAM4', 0.005), ('RRAM4', 0.0005)):
        base = preset(pname, sigma=0.1)
        lay = convert_to_crossbar(torch.nn.Linear(1024, 1024).to(device), CrossbarConfig(device=base))
        lay_f = convert_to_crossbar(torch.nn.Linear(1024, 1024).to(device), CrossbarConfig(device=base.replace(p_stuck_on=p, p_stuck_off=p)))
        def fwd(l):
            def f():
                with torch.no_grad(), resampling(l): l(w_in)
            return f
        fwd(lay)(); fwd(lay_f)()
        t0, t1 = best_pair(fwd(lay), fwd(lay_f), args.steps, args.repeats, device)
        print(f"  {pname:<8} p_stuck_on = p_stuck_off = {p:<7g} without faults {1e3*t0:7.2f} ms, with faults {1e3*t1:7.2f} ms, ratio {t1/t0:5.2f}")

if __name__ == '__main__': main()
