"""Epoch time of the variation-aware training callbacks over a clean epoch, measured in one run (ratios, not timings).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/train_epoch.py [--device cpu] [--repeats 5] [--presets SWIM RRAM4]

Same data (digits at 16x16, bs 32, the training split) and the same model for every row: LeNet-5 and a VGG-shaped CNN
(VGG-8 at width 0.25: six 3x3 convolutions with BatchNorm, 16..128 channels). The floor is a clean epoch of the plain
torch model. Measured: noise injection (`NoiseInjectionCallback`), TRICE (right-censored draws), IRS (`IRSCallback`,
the authors' default taps for the model) and OVF (`OVFCallback`, four forwards and their backward). Targets: noise
injection <= 1.2, IRS <= 1.5, OVF <= 4.2. Each line gives the ratio of a fastai epoch as `fit` runs it (training and
validation) and of the training phase alone (validation cancelled). Runs alternate; each reports its best of `--repeats`."""
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
from nvcim_nb.callback.noise import NoiseInjectionCallback
from nvcim_nb.callback.trice import TRICECallback
from nvcim_nb.callback.ovf import OVFCallback
from nvcim_nb.callback.irs import IRSCallback

MODELS = {'LeNet-5': ('lenet', 1.), 'VGG-8 x0.25': ('vgg8', 0.25)}
METHODS = {'noise injection': lambda: NoiseInjectionCallback(sigma=0.3, seed=0),
           'TRICE (tau=1)': lambda: TRICECallback(tau=1., sigma=0.3, seed=0),
           'IRS': lambda: IRSCallback(sigma=0.3, seed=0),
           'OVF': lambda: OVFCallback(sigma=0.3, seed=0)}

class NoValidation(Callback):
    def before_validate(self): raise CancelValidException()

def learner(dls, name, width, dev, cb):
    set_seed(0)
    learn = cim_learner(dls, name, width=width, seed=0, cbs=cb)
    if dev is not None: convert_to_crossbar(learn.model, CrossbarConfig(device=preset(dev)), inplace=True)
    return learn

def epoch(learn, train_only):
    "Seconds of one `fit(1)` epoch (the learner's callbacks included)."
    cbs = [NoValidation()] if train_only else []
    t = time.perf_counter()
    with learn.no_bar(), learn.no_logging(): learn.fit(1, 1e-3, cbs=cbs)
    if learn.dls.device.type == 'cuda': torch.cuda.synchronize()
    return time.perf_counter() - t

def bench(dls, name, width, dev, repeats, train_only):
    "Best-of-`repeats` epoch seconds: the clean floor and every method, in alternation."
    runs = {'clean': learner(dls, name, width, None, None)}
    runs.update({m: learner(dls, name, width, dev, f()) for m, f in METHODS.items()})
    for l in runs.values(): epoch(l, train_only)   # warm-up: heads, caches, allocator
    best = {m: float('inf') for m in runs}
    for _ in range(repeats):
        for m, l in runs.items(): best[m] = min(best[m], epoch(l, train_only))
    return best

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--device', default=None); p.add_argument('--repeats', type=int, default=5)
    p.add_argument('--presets', nargs='+', default=['SWIM', 'RRAM4'])
    a = p.parse_args()
    device = get_device(a.device)
    dls = get_dls('digits', size=16, bs=32, seed=0, device=device)
    print(f"device {device}, torch threads {torch.get_num_threads()}, {len(dls.train.dataset)} training images, bs 32, "
          f"best of {a.repeats}; ratios over a clean epoch of the plain torch model")
    for mname, (name, width) in MODELS.items():
        for dev in a.presets:
            for train_only in (False, True):
                best = bench(dls, name, width, dev, a.repeats, train_only)
                what = 'training phase' if train_only else 'epoch (train + valid)'
                ratios = '  '.join(f"{m} {best[m] / best['clean']:.2f}" for m in METHODS)
                print(f"{mname:12s} {dev:6s} {what:22s} clean {best['clean']*1e3:7.1f} ms   {ratios}", flush=True)

if __name__ == '__main__': main()
