"""Generate README.md from nbs/index.ipynb without Quarto (which cannot be installed everywhere).

`python tools/readme.py` writes README.md; `python tools/readme.py --check` exits 1 if it is stale.
Markdown cells are copied; code cells become ```python blocks followed by their text outputs;
cells marked `#| hide` are skipped, and so is the code of `#| echo: false` cells;
links to notebooks point into nbs/."""
import json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = "<!-- Generated from nbs/index.ipynb by tools/readme.py: edit the notebook, not this file. -->\n\n"

def _src(cell): return ''.join(cell['source']) if isinstance(cell['source'], list) else cell['source']

def _text_outputs(cell):
    for o in cell.get('outputs', []):
        if o['output_type'] == 'stream': yield ''.join(o['text'])
        elif o['output_type'] in ('execute_result', 'display_data'):
            d = o.get('data', {})
            if 'text/markdown' in d: yield ('MD', ''.join(d['text/markdown']))
            elif 'text/plain' in d and 'image/png' not in d: yield ''.join(d['text/plain'])

def render(nb_path=ROOT/'nbs'/'index.ipynb') -> str:
    nb = json.loads(Path(nb_path).read_text())
    parts = [HEADER]
    for cell in nb['cells']:
        src = _src(cell)
        lines = src.split('\n')
        directives = [l for l in lines if l.startswith('#|')]
        if any(re.match(r'#\|\s*hide\b', d) for d in directives): continue
        if cell['cell_type'] == 'markdown':  # links to notebooks are relative to nbs/
            parts.append(re.sub(r'\]\((?!https?:|#|/)([^)]+\.ipynb)', r'](nbs/\1', src.strip()) + '\n\n'); continue
        code = '\n'.join(l for l in lines if not l.startswith('#|')).strip()
        if any(re.match(r'#\|\s*echo:\s*false', d) for d in directives): code = ''
        if code: parts.append(f"```python\n{code}\n```\n\n")
        for out in _text_outputs(cell):
            if isinstance(out, tuple): parts.append(out[1].strip() + '\n\n')
            elif out.strip(): parts.append(f"    " + out.rstrip().replace('\n', '\n    ') + '\n\n')
    return ''.join(parts).rstrip() + '\n'

if __name__ == '__main__':
    text, readme = render(), ROOT/'README.md'
    if '--check' in sys.argv:
        if readme.read_text() != text: sys.exit("README.md is stale: run `python tools/readme.py` and commit it")
    else: readme.write_text(text)
