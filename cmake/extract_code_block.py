"""Writes the first fenced code block of a language in a Markdown page.

    extract_code_block.py PAGE.md LANG OUT
"""
import sys

page, lang, out = sys.argv[1:4]
lines = open(page, encoding="utf-8").read().split("\n")
try:
    start = lines.index("```" + lang) + 1
    end = lines.index("```", start)
except ValueError:
    sys.exit(f"{page}: no ```{lang} code block")
with open(out, "w", encoding="utf-8") as f:
    f.write("\n".join(lines[start:end]) + "\n")
