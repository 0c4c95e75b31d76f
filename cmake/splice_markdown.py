"""Puts a generated Markdown section into a hand-written page.

    splice_markdown.py PAGE.md GENERATED.md NAME [--check]

Replaces the lines between `<!-- BEGIN NAME -->` and `<!-- END NAME -->` in
PAGE.md with GENERATED.md. With --check, changes nothing and exits 1 (with a
diff) when the page's section differs from GENERATED.md: the test that keeps
generated documentation current.
"""
import difflib
import sys

args = [a for a in sys.argv[1:] if a != "--check"]
check = "--check" in sys.argv[1:]
if len(args) != 3:
    sys.exit(__doc__)
page, generated, name = args
begin, end = f"<!-- BEGIN {name} -->", f"<!-- END {name} -->"
lines = open(page, encoding="utf-8").read().split("\n")
try:
    start = lines.index(begin) + 1
    stop = lines.index(end, start)
except ValueError:
    sys.exit(f"{page}: no '{begin}' ... '{end}' section")
new = open(generated, encoding="utf-8").read().rstrip("\n").split("\n")
old = lines[start:stop]
if check:
    if old != new:
        sys.stdout.writelines(
            difflib.unified_diff([l + "\n" for l in old], [l + "\n" for l in new],
                                 page, generated))
        sys.exit(f"{page} is stale: run `make docs`")
    sys.exit(0)
if old != new:
    lines[start:stop] = new
    with open(page, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
