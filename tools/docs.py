"""Build the documentation site offline, without Quarto: nbdev's own docs processing, then Markdown pages, then mkdocs.

    python tools/docs.py              # -> _docs/ (scratch: _proc/, _site/, .npm-assets/); open _docs/index.html
    python tools/docs.py --no-proc    # reuse _proc/ from the last build (only the rendering)
    python tools/docs.py --proc-only  # only nbdev's processing, the step `nbdev_docs` runs before Quarto

1. nbdev's processing (`nbdev.serve`'s FilterDefaults on every notebook, as `nbdev_docs` does): adds show_doc entries,
   runs the exported, import and show_doc cells, drops hidden cells. A notebook that fails here, or that has a cell
   mixing imports with other code (nbdev runs it, out of context), fails the build: that is the test that keeps
   `nbdev_docs` working. Exercise notebooks are replaced by their nbgrader student copies first (no solution on the site).
2. Each processed notebook becomes one Markdown page named after nbdev's `output-file` (so URLs and anchors are the
   ones Quarto would give: `device.html#deviceconfig`); the Quarto-only syntax is translated.
3. `mkdocs build --strict` with the material theme, offline search and MathJax served from the site itself;
   the navigation is `nbs/sidebar.yml`. A broken link or anchor fails the build."""
import argparse, base64, json, os, re, shutil, subprocess, sys, tarfile, time, warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NBS, PROC, SITE, ASSETS = ROOT/'nbs', ROOT/'_proc', ROOT/'_site', ROOT/'.npm-assets'
NPM = {'mathjax': '3.2.2', 'iframe-worker': '1.0.4'}
EXERCISE = re.compile(r'^\d+_exercise\.')

def settings():
    from configparser import ConfigParser
    c = ConfigParser(); c.read(ROOT/'settings.ini'); return c['DEFAULT']

# ---------------------------------------------------------------- 1. nbdev's processing
def notebooks():
    return sorted(p for p in NBS.rglob('*.ipynb') if not any(q.startswith(('_', '.')) for q in p.relative_to(NBS).parts))

def proc_one(src, dst):
    "nbdev's docs processing of one notebook (what `proc_nbs` runs per file); returns the mixed-import warnings."
    from nbdev.serve import FilterDefaults
    import nbdev.serve_drv as drv
    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter('always')
        drv.main((src, dst, FilterDefaults))
    return [str(w.message).split('---')[1].strip() for w in ws if 'Found cells containing imports' in str(w.message)]

def process(nbs):
    "Process every notebook into _proc/; returns {notebook: error} for the ones that failed."
    if PROC.exists(): shutil.rmtree(PROC)
    PROC.mkdir()
    sys.path.insert(0, str(ROOT/'tools'))
    errors, tmp = {}, PROC/'.student'
    for nb in nbs:
        src, dst = nb, PROC/nb.relative_to(NBS)
        dst.parent.mkdir(parents=True, exist_ok=True)
        t = time.time()
        try:
            if EXERCISE.match(nb.name):  # the site shows the student copy, never the solutions
                from classroom import student_copy
                tmp.mkdir(exist_ok=True); src = tmp/nb.name
                src.write_text(json.dumps(student_copy(nb)))
            mixed = proc_one(src, dst)
            if mixed: errors[nb.name] = 'cells mix imports with other code (nbdev runs them out of context):\n' + '\n--\n'.join(mixed)
        except Exception as e: errors[nb.name] = f"{type(e).__name__}: {e}"
        msg = f"{'ok  ' if nb.name not in errors else 'FAIL'} proc {nb.relative_to(ROOT)} ({time.time()-t:.1f}s)"
        if nb.name in errors: msg += '\n     ' + errors[nb.name].replace('\n', '\n     ')
        print(msg, flush=True)
    shutil.rmtree(tmp, ignore_errors=True)
    # as proc_nbs does, for Quarto: nbs/_quarto.yml is a link to the top-level _quarto.yml (nbdev reads only nbs/)
    if (NBS/'_quarto.yml').resolve() != ROOT/'_quarto.yml': errors['_quarto.yml'] = 'nbs/_quarto.yml is not the link to ../_quarto.yml'; print(f"FAIL {errors['_quarto.yml']}")
    for f in ('_quarto.yml', 'sidebar.yml', 'styles.css'):
        if (NBS/f).exists(): shutil.copy2(NBS/f, PROC/f)
    return errors

# ---------------------------------------------------------------- 2. Markdown pages
ANSI = re.compile(r'\x1b\[[0-9;]*[A-Za-z]')

def pandoc_id(text):
    "The anchor pandoc (and so Quarto) gives a heading: lowercase, punctuation but `_ - .` dropped, spaces as `-`."
    t = re.sub(r'<[^>]+>|\$[^$]*\$', '', re.sub(r'\[([^\]]*)\]\([^)]*\)', r'\1', text)).replace('`', '')
    t = re.sub(r'[^\w\s.-]', '', t.lower(), flags=re.UNICODE).strip()
    return re.sub(r'^[^a-z]+', '', re.sub(r'\s+', '-', t))

def frontmatter(cell):
    import yaml
    src = ''.join(cell['source']).strip()
    return yaml.safe_load(src.strip('-')) if cell['cell_type'] == 'raw' and src.startswith('---') else None

class Page:
    "One processed notebook as a Markdown page."
    def __init__(self, proc_nb, src_nb, names):
        self.nb, self.src, self.names = json.loads(proc_nb.read_text()), src_nb, names
        fm = frontmatter(self.nb['cells'][0]) or {}
        self.title, self.desc = fm.get('title', src_nb.stem), fm.get('description', '')
        self.name = Path(fm.get('output-file', src_nb.stem + '.html')).stem
        self.figs, self.ids = [], set()

    def link(self, m):
        "nbdev's absolute doc links and links to notebooks -> relative links to the pages."
        url = m.group(2)
        host = settings()['doc_host'] + settings()['doc_baseurl']
        if url.startswith(host + '/'):
            url = url[len(host) + 1:].replace('.html', '.md', 1)
            if re.search(r'#(?:[\w]+\.)*_', url): return m.group(1)  # nbdev links private names too; they have no entry
        else:
            mm = re.match(r'^(?:\./)?([\w.\-/]+)\.ipynb(#.*)?$', url)
            if mm and mm.group(1).split('/')[-1] in self.names: url = self.names[mm.group(1).split('/')[-1]] + '.md' + (mm.group(2) or '')
        return f'[{m.group(1)}]({url})'

    def markdown(self, md):
        md = re.sub(r'\[([^\]]*)\]\(([^)\s]+)\)\{[^}]*\}', lambda m: f'<a href="{m.group(2)}" class="sd-source">{m.group(1)}</a>', md)
        md = re.sub(r'(?<!!)\[([^\]]*)\]\(([^)\s]+)\)', self.link, md)
        out, in_code = [], False
        for line in md.split('\n'):
            if line.lstrip().startswith('```'): in_code = not in_code
            if not in_code:
                if line.lstrip().startswith('|'):  # `|` inside maths would split a pipe-table cell
                    line = re.sub(r'\$[^$]+\$', lambda m: m.group(0).replace('|', r'\vert{}'), line)
                # $$...$$ within a line of text: display-style inline maths (arithmatex takes $$ only as a block)
                line = re.sub(r'(?<=\S)\s*\$\$(.+?)\$\$|\$\$(.+?)\$\$\s*(?=\S)', lambda m: f' $\\displaystyle {m.group(1) or m.group(2)}$ ', line)
                h = re.match(r'^(#{1,6})\s+(.*?)\s*$', line)
                if h and '{#' not in line: line = f'{h.group(1)} {h.group(2)} {{#{self.uid(pandoc_id(h.group(2)))}}}'
            out.append(line)
        return '\n'.join(self.math_blocks(out))

    @staticmethod
    def math_blocks(lines):
        "Blank lines around every $$ display block, which Python-Markdown needs to see it as a block of its own."
        out, in_math = [], False
        for i, line in enumerate(lines):
            s, was = line.strip(), in_math
            if not in_math and s.startswith('$$'):
                if out and out[-1].strip(): out.append('')
                in_math = not (len(s) > 3 and s.endswith('$$'))
            elif in_math and s.endswith('$$'): in_math = False
            out.append(line)
            closed = (was or s.startswith('$$')) and not in_math
            if closed and i + 1 < len(lines) and lines[i + 1].strip(): out.append('')
        return out

    def uid(self, i):
        base, n = i or 'section', 1
        while i in self.ids or not i: i, n = f'{base}-{n}', n + 1
        self.ids.add(i); return i

    def show_doc(self, md):
        "show_doc's Markdown, with an explicit pandoc-style id on its heading (Python-Markdown's slug drops the dot)."
        md = re.sub(r'^\s*---\s*\n', '', md)
        # links nbdev writes into the argument comments of a signature would show as raw Markdown in its code block
        md = re.sub(r'```python\n.*?```', lambda m: re.sub(r'\[`?([^\]`]+)`?\]\([^)\s]+\)', r'\1', m.group(0)), md, flags=re.S)
        def head(m):
            sid = m.group(2).strip().lower()
            return f"{m.group(1)} {m.group(2).strip()} {{#{self.uid(sid)} .sd-name}}"
        return self.markdown(re.sub(r'^(#{2,4}) ([\w.]+)\s*$', head, md, count=1, flags=re.M))

    def output(self, o):
        if o['output_type'] == 'stream': return self.text(''.join(o['text']))
        if o['output_type'] == 'error': return self.text('\n'.join(o['traceback']))
        d = o.get('data', {})
        for mime, ext in (('image/png', 'png'), ('image/jpeg', 'jpg')):
            if mime in d:
                fn = f'{self.name}-{len(self.figs)}.{ext}'
                self.figs.append((fn, base64.b64decode(''.join(d[mime]))))
                return f'![output](figs/{fn})'
        if 'image/svg+xml' in d: return ''.join(d['image/svg+xml'])
        if 'application/vnd.jupyter.widget-view+json' in d:
            return '<p class="nb-widget">An interactive widget: run this notebook (see "Run it") to use it.</p>'
        if 'text/html' in d:
            html = ''.join(d['text/html'])
            if '<script' in html: return self.text(''.join(d.get('text/plain', '')))
            # Jupyter typesets $...$ in HTML outputs (e.g. a DataFrame's labels): so does the site
            return re.sub(r'(?<![\\$\w])\$([^$<>\n]+?)\$(?!\w)', lambda m: f'<span class="arithmatex">\\({m.group(1)}\\)</span>', html)
        if 'text/markdown' in d: return self.markdown(''.join(d['text/markdown']))
        if 'text/latex' in d: return ''.join(d['text/latex'])
        if 'text/plain' in d: return self.text(''.join(d['text/plain']))
        return ''

    @staticmethod
    def text(t):
        t = ANSI.sub('', t).rstrip()
        return f'```text\n{t}\n```' if t else ''

    def render(self, colab):
        parts = [f'# {self.title} {{#{self.uid(pandoc_id(self.title))}}}']
        if self.desc: parts.append(f'> {self.desc}')
        if colab: parts.append(f'<p class="nb-run"><a href="{colab}">Run it: open this notebook in Colab</a></p>')
        explicit = {m for c in self.nb['cells'] if not c.get('has_sd') for m in re.findall(r'show_doc\(([\w.]+)\)', ''.join(c['source']))}
        for c in self.nb['cells'][1:]:
            src = ''.join(c['source'])
            if c['cell_type'] == 'markdown':
                if 'AUTOGENERATED! DO NOT EDIT' in src: continue
                parts.append(self.markdown(src)); continue
            if c['cell_type'] != 'code': continue
            opts = dict(re.findall(r'^#\|\s*([\w-]+)\s*:\s*(.*?)\s*$', src, re.M))
            code = '\n'.join(l for l in src.split('\n') if not l.startswith('#|')).strip()
            if c.get('has_sd'):  # nbdev's automatic entries: skip dunders and what the notebook documents itself
                name = (re.findall(r'show_doc\(([\w.]+)\)', src) or [''])[0]
                if name in explicit or re.search(r'\.__\w+__$', name): continue
            sd = 'show_doc(' in src and opts.get('output') == 'asis'
            if opts.get('echo', 'true') != 'false' and code: parts.append(f'```python\n{code}\n```')
            outs = []
            for o in c.get('outputs', []):
                if sd and 'text/markdown' in o.get('data', {}): parts.append(self.show_doc(''.join(o['data']['text/markdown'])))
                else: outs.append(self.output(o))
            outs = [x for x in outs if x.strip()]
            if outs: parts.append('<div class="nb-output" markdown>\n\n' + '\n\n'.join(outs) + '\n\n</div>')
        return '\n\n'.join(parts) + '\n'

# ---------------------------------------------------------------- 3. the site
CSS = """.nb-output { border-left: 3px solid var(--md-default-fg-color--lightest); padding-left: .8em; margin: -.6em 0 1.2em; }
.nb-output pre, .nb-output code { font-size: .72rem; }
.nb-output img { max-width: 100%; }
.nb-output table { font-size: .68rem; border-collapse: collapse; } .nb-output th, .nb-output td { padding: .15em .5em; border-bottom: 1px solid #ddd; }
a.sd-source { float: right; font-size: smaller; }
.sd-name { font-family: var(--md-code-font-family); }
p.nb-run a { font-size: .75rem; }
"""
MATHJAX_CONFIG = """window.MathJax = {
  tex: {inlineMath: [["\\\\(", "\\\\)"]], displayMath: [["\\\\[", "\\\\]"]], processEscapes: true, processEnvironments: true},
  options: {ignoreHtmlClass: ".*|", processHtmlClass: "arithmatex"}
};
"""

def npm_assets():
    "MathJax and the iframe-worker shim from their npm tarballs (packed once into .npm-assets/), served by the site."
    ASSETS.mkdir(exist_ok=True)
    for pkg, v in NPM.items():
        if not list(ASSETS.glob(f'{pkg}-{v}.tgz')):
            subprocess.run(['npm', 'pack', f'{pkg}@{v}', '--silent', '--pack-destination', str(ASSETS)], check=True, capture_output=True)
    return {pkg: ASSETS/f'{pkg}-{v}.tgz' for pkg, v in NPM.items()}

def copy_assets(docs):
    tgz = npm_assets()
    with tarfile.open(tgz['mathjax']) as t:
        for m in t.getmembers():
            p = m.name.removeprefix('package/')
            if p == 'es5/tex-chtml-full.js' or (p.startswith('es5/output/chtml/fonts/woff-v2/') and m.isfile()) or p == 'LICENSE':
                m.name = 'mathjax/' + p; t.extract(m, docs/'assets', filter='data')
    with tarfile.open(tgz['iframe-worker']) as t:
        m = t.getmember('package/shim/index.js'); m.name = 'iframe-worker/shim.js'; t.extract(m, docs/'assets', filter='data')
    (docs/'assets'/'mathjax-config.js').write_text(MATHJAX_CONFIG)
    (docs/'assets'/'nb.css').write_text(CSS)

def sidebar():
    "nbs/sidebar.yml's contents: notebook file names and {'section': ..., 'contents': [...]}, nested, in reading order."
    import yaml
    return yaml.safe_load((NBS/'sidebar.yml').read_text())['website']['sidebar']['contents']

def listed(items):
    "The notebooks a sidebar lists, in order."
    return [f for it in items for f in ([it] if isinstance(it, str) else listed(it.get('contents', [])))]

def nav(items, pages):
    "mkdocs' nav from the sidebar: the index is 'Overview', every other page has its notebook's title."
    out = []
    for it in items:
        if isinstance(it, str):
            if it in pages: out.append({('Overview' if pages[it].name == 'index' else pages[it].title): pages[it].name + '.md'})
        else:
            sub = nav(it.get('contents', []), pages)
            if sub: out.append({it['section']: sub})
    return out

def mkdocs_yml(pages):
    cfg = settings()
    return {
        'site_name': cfg['title'], 'site_description': cfg['description'], 'docs_dir': 'docs', 'site_dir': str(ROOT/cfg['doc_path']),
        'use_directory_urls': False, 'nav': nav(sidebar(), pages),
        'theme': {'name': 'material', 'font': False, 'features': ['navigation.sections', 'navigation.top', 'toc.follow', 'content.code.copy', 'search.highlight']},
        'plugins': ['search', 'offline'],
        'extra': {'polyfills': ['assets/iframe-worker/shim.js'], 'generator': False},
        'extra_css': ['assets/nb.css'],
        'extra_javascript': ['assets/mathjax-config.js', 'assets/mathjax/es5/tex-chtml-full.js'],
        'markdown_extensions': [{'pymdownx.arithmatex': {'generic': True}}, 'attr_list', 'md_in_html', 'tables', 'def_list', {'toc': {'permalink': True}},
                                'pymdownx.superfences', {'pymdownx.highlight': {'use_pygments': True}}, 'admonition'],
        'validation': {'links': {'anchors': 'warn', 'unrecognized_links': 'warn', 'absolute_links': 'warn'}, 'nav': {'omitted_files': 'warn'}},
    }

def render(nbs, strict=True):
    import yaml
    sys.path.insert(0, str(ROOT/'tools'))
    missing = [nb.name for nb in nbs if nb.relative_to(NBS).as_posix() not in listed(sidebar())]
    if missing and strict: raise SystemExit(f"docs: notebooks missing from nbs/sidebar.yml: {', '.join(missing)}")
    names = {}
    pages = {}
    for nb in nbs:
        fm = frontmatter(json.loads((PROC/nb.relative_to(NBS)).read_text())['cells'][0]) or {}
        names[nb.stem] = Path(fm.get('output-file', nb.stem + '.html')).stem
    if SITE.exists(): shutil.rmtree(SITE)
    docs = SITE/'docs'; (docs/'figs').mkdir(parents=True)
    repo = settings()['git_url'].removeprefix('https://github.com/')
    for nb in nbs:
        rel = nb.relative_to(NBS).as_posix()
        p = pages[rel] = Page(PROC/rel, nb, names)
        colab = f"https://colab.research.google.com/github/{repo}/blob/{settings()['branch']}/nbs/{rel}"
        md = p.render(colab)
        if EXERCISE.match(nb.name):  # no line of a solution or a hidden test reaches the site
            from classroom import leaks
            found = leaks(json.loads(nb.read_text()), {'cells': [{'source': md}]})
            if found: raise SystemExit(f"docs: the page of {nb.name} shows solution lines: {found[:3]}")
        (docs/f'{p.name}.md').write_text(md)
        for fn, data in p.figs: (docs/'figs'/fn).write_bytes(data)
    copy_assets(docs)
    (SITE/'mkdocs.yml').write_text(yaml.safe_dump(mkdocs_yml(pages), sort_keys=False))
    env = dict(os.environ, NO_MKDOCS_2_WARNING='1')
    r = subprocess.run([sys.executable, '-m', 'mkdocs', 'build'] + (['--strict'] if strict else []) + ['--clean', '-q', '-f', str(SITE/'mkdocs.yml')], env=env, capture_output=True, text=True)
    log = '\n'.join(l for l in (r.stdout + r.stderr).splitlines() if 'end of life' not in l.lower() and 'zensical' not in l.lower() and l.strip())
    if r.returncode: raise SystemExit(f"docs: mkdocs build --strict failed:\n{log[-6000:]}")
    return pages

def site_size(d):
    files = [p for p in Path(d).rglob('*') if p.is_file()]
    return sum(p.stat().st_size for p in files), len(files)

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--no-proc', action='store_true', help='reuse _proc/ from the last build')
    ap.add_argument('--proc-only', action='store_true', help="only run nbdev's processing (the test that nbdev_docs works)")
    ap.add_argument('--partial', action='store_true', help='(while developing) render only what _proc/ has, not strict')
    ap.add_argument('notebooks', nargs='*', help='only these notebooks (default: all)')
    a = ap.parse_args()
    os.environ.setdefault('OMP_NUM_THREADS', '1'); os.chdir(ROOT)
    nbs = [Path(n).resolve() for n in a.notebooks] or notebooks()
    t0 = time.time()
    if not a.no_proc:
        errors = process(nbs)
        print(f"nbdev processing: {len(nbs) - len(errors)} of {len(nbs)} notebooks ok ({time.time()-t0:.1f}s)")
        if errors and not a.partial: sys.exit(1)
        if a.proc_only: return
    t1 = time.time()
    if a.partial: nbs = [nb for nb in nbs if (PROC/nb.relative_to(NBS)).exists()]
    pages = render(nbs, strict=not a.partial)
    size, n = site_size(settings()['doc_path'])
    print(f"site: {len(pages)} pages, {size/2**20:.1f} MB in {n} files, in {settings()['doc_path']}/ "
          f"(render + mkdocs {time.time()-t1:.1f}s, total {time.time()-t0:.1f}s)")

if __name__ == '__main__':
    main()
    # the IPython shells nbdev's processing made (one per notebook) take ~18 s to tear down at exit: skip it, all is written
    sys.stdout.flush(); sys.stderr.flush(); os._exit(0)
