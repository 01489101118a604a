"""SWIM's curvature pass over the training set against one clean training epoch, measured in one run (ratios, not timings).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/swim_curvature.py [--device cpu] [--repeats 3] [--models LeNet-5 'VGG-8 x0.25']

Digits at 16x16, bs 32, the training split (1,168 images); LeNet-5 and VGG-8 at width 0.25 (BatchNorm), each converted to
crossbars with the SWIM device preset, as a selection would use them (the curvature runs on `torch_twin`, copied each call).
The floor is a clean fastai epoch of the plain torch model: its training phase alone (validation cancelled), and the whole
`fit(1)` epoch. Measured, in alternation, best of `--repeats` each:
  - `obd_diagonal` (SWIM's OBD-style pass) over the whole training set, at the epoch's batch size (32) and at bs 256;
  - `hessian_diagonal` (BackPACK's exact diagonal): kind='hessian' (DiagHessian), or kind='ggn' (DiagGGNExact) for VGG-8,
    whose BatchNorm DiagHessian does not support (the two are equal for ReLU networks), at bs 32 and 256.
Target: the curvature pass <= 3x one clean training epoch (its training phase)."""
import argparse, os, time, warnings
os.environ.setdefault('OMP_NUM_THREADS', '1')
warnings.filterwarnings('ignore', message='.*torch.jit.script.*')
import torch
from fastai.callback.core import Callback, CancelValidException
from nvcim_nb.core import get_device, set_seed
from nvcim_nb.data import get_dls
from nvcim_nb.learner import cim_learner
from nvcim_nb.device import preset
from nvcim_nb.crossbar import convert_to_crossbar, CrossbarConfig
from nvcim_nb.curvature import obd_diagonal, hessian_diagonal

MODELS = {'LeNet-5': ('lenet', 1., 'hessian'), 'VGG-8 x0.25': ('vgg8', 0.25, 'ggn')}

class NoValidation(Callback):
    def before_validate(self): raise CancelValidException()

def sync(device):
    if device.type == 'cuda': torch.cuda.synchronize()

def epoch(learn, train_only):
    "Seconds of one clean `fit(1)` epoch (training phase only if `train_only`)."
    t = time.perf_counter()
    with learn.no_bar(), learn.no_logging(): learn.fit(1, 1e-3, cbs=[NoValidation()] if train_only else [])
    sync(learn.dls.device)
    return time.perf_counter() - t

def timed(f, device):
    t = time.perf_counter(); f(); sync(device)
    return time.perf_counter() - t

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--device', default=None); p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--models', nargs='*', default=list(MODELS), choices=list(MODELS))
    a = p.parse_args()
    device = get_device(a.device)
    dls = get_dls('digits', size=16, bs=32, seed=0, device=device)
    print(f"device {device}, torch threads {torch.get_num_threads()}, {len(dls.train.dataset)} training images, bs 32, "
          f"best of {a.repeats}; floor: a clean fastai epoch of the plain torch model")
    for mname in a.models:
        name, width, kind = MODELS[mname]
        set_seed(0)
        learn = cim_learner(dls, name, width=width, seed=0)
        model = convert_to_crossbar(learn.model, CrossbarConfig(device=preset('SWIM')))   # a copy: training `learn` leaves it alone
        runs = {'train epoch': lambda: epoch(learn, True), 'fit epoch': lambda: epoch(learn, False)}
        for bs in (None, 256):
            runs[f'obd, bs {bs or 32}'] = lambda bs=bs: timed(lambda: obd_diagonal(model, dls, bs=bs), device)
            runs[f'{kind}, bs {bs or 32}'] = lambda bs=bs: timed(lambda: hessian_diagonal(model, dls, kind, bs=bs), device)
        for f in runs.values(): f()   # warm-up
        best = {k: float('inf') for k in runs}
        for _ in range(a.repeats):
            for k, f in runs.items(): best[k] = min(best[k], f())
        floor = best['train epoch']
        print(f"{mname}: clean epoch {floor*1e3:.0f} ms (training phase), {best['fit epoch']*1e3:.0f} ms (fit, with validation)")
        for k, t in best.items():
            if 'epoch' in k: continue
            print(f"  {k:14s} {t*1e3:9.0f} ms   x{t / floor:6.2f} of the training phase   x{t / best['fit epoch']:6.2f} of the fit epoch   "
                  f"({'meets' if t / floor <= 3 else 'misses'} <= 3)", flush=True)

if __name__ == '__main__': main()
