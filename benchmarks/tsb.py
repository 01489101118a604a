"""TSB's training cost, measured in one run (ratios, not timings): per-chip block training, and the whole TSB flow over
full noise-injection training.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/tsb.py [--device cpu] [--repeats 3] [--early 5] [--full 20] [--block 10]

Digits at 16x16, bs 32, SWIM preset, sigma 0.5 (canonical), LeNet-5 (block: 'slice', C_max 16) and VGG-8 x0.25 (block:
'group', k 16), the block after every convolution. Timed, in alternation, best of `--repeats` each (fastai epochs as `fit`
runs them, validation included):
  - a noise-injection epoch on the whole training set (what full training repeats `--full` times);
  - a noise-injection epoch on the backbone's 80% (`tsb_split`; the early-convergence phase repeats it `--early` times);
  - a block epoch on the other 20%: backbone frozen on one held chip, Adam on the block only (`train_tsb`, one epoch).
Printed: the block epoch over a full noise-injection epoch; one chip's whole block training (`train_tsb`, `--block`
epochs, learner construction included) in seconds; and the speed-up of the flow AT FIXED EPOCH BUDGETS,

    speed-up_budget = full * t(NI epoch) / (early * t(early epoch) + t(one chip's block training)),

with its ceiling for a free block, full * t(NI epoch) / (early * t(early epoch)) ~ full / (0.8 * early) (the early phase runs
on 80% of the data): with the defaults (20, 5) that ceiling is ~5, so the paper's > 5x cannot be reached at these budgets,
whatever the block costs. This is NOT the notebook's figure (nbs/26_tsb.ipynb), which is measured at equal accuracy,
T_NI(A_TSB) / (T_early + T_block), the time full noise injection needs to first reach TSB's mean chip accuracy; the two agree
only when full noise injection first reaches A_TSB at its last epoch."""
import argparse, os, time, warnings
os.environ.setdefault('OMP_NUM_THREADS', '1')
warnings.filterwarnings('ignore', message='.*torch.jit.script.*')
import torch
from nvcim_nb.core import get_device, set_seed
from nvcim_nb.data import get_dls
from nvcim_nb.learner import cim_learner
from nvcim_nb.device import preset
from nvcim_nb.crossbar import convert_to_crossbar, CrossbarConfig
from nvcim_nb.chip import Chip
from nvcim_nb.callback.noise import NoiseInjectionCallback
from nvcim_nb.tsb import insert_tsb, tsb_split, train_tsb, backbone_layers

SIGMA = 0.5
MODELS = {'LeNet-5': ('lenet', 1., dict(sharing='slice', size=16)), 'VGG-8 x0.25': ('vgg8', 0.25, dict(sharing='group', size=16))}

def sync(dls):
    if dls.device.type == 'cuda': torch.cuda.synchronize()

def ni_learner(dls, name, width):
    set_seed(0)
    learn = cim_learner(dls, name, width=width, seed=0, cbs=NoiseInjectionCallback(sigma=SIGMA, seed=0))
    convert_to_crossbar(learn.model, CrossbarConfig(device=preset('SWIM')), inplace=True)
    return learn

def ni_epoch(learn):
    t = time.perf_counter()
    with learn.no_bar(), learn.no_logging(): learn.fit(1, 1e-3)
    sync(learn.dls)
    return time.perf_counter() - t

def block_run(model, chip, dls, n_epoch):
    t = time.perf_counter()
    train_tsb(model, chip, dls, n_epoch=n_epoch, seed=0)
    sync(dls)
    return time.perf_counter() - t

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--device', default=None); p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--early', type=int, default=5); p.add_argument('--full', type=int, default=20)
    p.add_argument('--block', type=int, default=10)
    a = p.parse_args()
    device = get_device(a.device)
    dls = get_dls('digits', size=16, bs=32, seed=0, device=device)
    bb, blk = tsb_split(dls, 0.2, seed=0)
    print(f"device {device}, torch threads {torch.get_num_threads()}, training images: {len(dls.train.dataset)} (full), "
          f"{len(bb.train.dataset)} (backbone), {len(blk.train.dataset)} (block); bs 32, best of {a.repeats}; "
          f"epochs: early {a.early}, full {a.full}, block {a.block}")
    for mname, (name, width, block) in MODELS.items():
        full, early = ni_learner(dls, name, width), ni_learner(bb, name, width)
        model = insert_tsb(ni_learner(bb, name, width).model, **block)
        chip = Chip(model, 0, sigma=SIGMA, layers=backbone_layers(model))
        ni_epoch(full); ni_epoch(early); block_run(model, chip, blk, 1)   # warm-up
        best = dict(full=float('inf'), early=float('inf'), block_epoch=float('inf'), block_chip=float('inf'))
        for _ in range(a.repeats):
            best['full'] = min(best['full'], ni_epoch(full))
            best['early'] = min(best['early'], ni_epoch(early))
            best['block_epoch'] = min(best['block_epoch'], block_run(model, chip, blk, 1))
            best['block_chip'] = min(best['block_chip'], block_run(model, chip, blk, a.block))
        tsb, full_s = a.early * best['early'] + best['block_chip'], a.full * best['full']
        ceiling = full_s / (a.early * best['early'])
        print(f"{mname:12s} NI epoch {best['full']*1e3:7.1f} ms  block epoch {best['block_epoch']*1e3:6.1f} ms "
              f"(ratio {best['block_epoch']/best['full']:.2f})  one chip's block ({a.block} ep) {best['block_chip']:.2f} s  "
              f"TSB {tsb:.2f} s vs full NI {full_s:.2f} s: fixed-budget speed-up {full_s / tsb:.2f}x "
              f"(ceiling with a free block {ceiling:.2f}x: >= 5 {'reachable' if ceiling >= 5 else 'unreachable'} at these budgets)", flush=True)
    print("fixed-budget definition: full*t_NI / (early*t_early + t_block); the notebook's figure is at equal accuracy, T_NI(A_TSB) / (T_early + T_block)")

if __name__ == '__main__': main()
