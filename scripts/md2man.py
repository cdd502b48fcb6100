#!/usr/bin/env python3
"""md2man.py NAME SECTION SUMMARY IN.md OUT: a man page from one of brig's docs.

brig's documentation is written once, in docs/*.md; the pages that are not
made from a command table (brig.conf(5)) are converted from there at build
time.  The converter knows the subset of Markdown the docs use: headings,
paragraphs, "-" lists, fenced code, pipe tables (kept as preformatted text),
`code`, **bold**, *emphasis* and [links](...).  Sections named in --skip
(e.g. "API", which is for brig's developers) are left out.
"""
import re
import sys


def esc(text):
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return text


def inline(text):
    out = []
    pos = 0
    pattern = re.compile(r"`([^`]*)`|\*\*([^*]+)\*\*|\*([^*\s][^*]*)\*|\[([^\]]+)\]\([^)]*\)")
    for m in pattern.finditer(text):
        out.append(esc(text[pos:m.start()]))
        if m.group(1) is not None:
            out.append("\\fB" + esc(m.group(1)) + "\\fR")
        elif m.group(2) is not None:
            out.append("\\fB" + esc(m.group(2)) + "\\fR")
        elif m.group(3) is not None:
            out.append("\\fI" + esc(m.group(3)) + "\\fR")
        else:
            out.append(esc(m.group(4)))
        pos = m.end()
    out.append(esc(text[pos:]))
    line = "".join(out)
    return "\\&" + line if line.startswith((".", "'")) else line


def convert(lines, skip):
    out, para = [], []
    in_code = skipping = False
    header = None

    def flush():
        if para:
            out.append(inline(" ".join(para)))
            para.clear()

    for raw in lines:
        line = raw.rstrip("\n")
        if line.startswith("```"):
            flush()
            if not skipping:
                out.append(".RS\n.nf" if not in_code else ".fi\n.RE")
            in_code = not in_code
            continue
        heading = re.match(r"^(#{1,3}) (.*)", line) if not in_code else None
        if heading:
            flush()
            title = re.sub(r"`", "", heading.group(2))
            skipping = heading.group(1) == "##" and title in skip
            if len(heading.group(1)) == 1:
                out.append(".SH DESCRIPTION")
            if skipping or len(heading.group(1)) == 1:
                continue
            macro = ".SH" if len(heading.group(1)) == 2 else ".SS"
            out.append('%s "%s"' % (macro, esc(title.upper() if macro == ".SH" else title)))
            continue
        if skipping:
            continue
        if line.startswith("|") and not in_code:
            flush()
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if all(re.match(r"^:?-+:?$", c) for c in cells):
                continue
            if header is None:
                header = cells
                continue
            out.append(".TP")
            out.append(inline(cells[0]))
            out.append(inline("; ".join("%s: %s" % (h, c) for h, c in zip(header[1:], cells[1:]))))
            continue
        header = None
        item = re.match(r"^(\s*)- (.*)", line)
        if item:
            flush()
            out.append(".IP \\(bu 2")
            para.append(item.group(2))
        elif not line.strip():
            flush()
            out.append(".PP")
        else:
            para.append(line.strip())
    flush()
    return out


def main():
    args = sys.argv[1:]
    skip = set()
    while len(args) > 2 and args[0] == "--skip":
        skip.add(args[1])
        args = args[2:]
    if len(args) != 5:
        sys.exit("usage: md2man.py [--skip SECTION]... NAME SECTION SUMMARY IN.md OUT")
    name, section, summary, src, dst = args
    with open(src, encoding="utf-8") as f:
        body = convert(f.readlines(), skip)
    with open(dst, "w", encoding="utf-8") as f:
        f.write('.TH "%s" "%s" "" "brig" "brig manual"\n' % (name.upper(), section))
        f.write(".SH NAME\n%s \\- %s\n" % (esc(name), esc(summary)))
        for line in body:
            f.write(line + "\n")


main()
