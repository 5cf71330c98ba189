#!/usr/bin/env python3
"""Generates feedpop's reference from its single source, docs/reference.yaml:

  docs/man/feedpop.1      commands, options, exit statuses, signals, environment, files
  docs/man/feeds.yaml.5   every configuration key with type, default and examples
  README.md               only between the GENERATED REFERENCE markers (config, commands)

usage: docs/gen_reference.py           write the three outputs
       docs/gen_reference.py --check   exit 1 (with a diff) when an output is stale

Markup in the source: `code`, *italic*, blank line = paragraph, "- " lines = bullets.
"""

import argparse
import difflib
import re
import sys
import textwrap
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "docs" / "reference.yaml"
MAN1 = ROOT / "docs" / "man" / "feedpop.1"
MAN5 = ROOT / "docs" / "man" / "feeds.yaml.5"
README = ROOT / "README.md"
GENERATED_NOTE = "Generated from docs/reference.yaml by docs/gen_reference.py; edit the source."


def project_version():
    text = (ROOT / "CMakeLists.txt").read_text()
    match = re.search(r"project\(\s*feedpop\s+VERSION\s+([0-9.]+)", text)
    if not match:
        sys.exit("gen_reference: no project(feedpop VERSION x.y.z) in CMakeLists.txt")
    return match.group(1)


def paragraphs(text):
    """Splits source text into ("p", joined text) and ("ul", [items]) blocks."""
    blocks = []
    for chunk in re.split(r"\n\s*\n", (text or "").strip()):
        lines = [line.strip() for line in chunk.splitlines() if line.strip()]
        if not lines:
            continue
        if lines[0].startswith("- "):
            items = []
            for line in lines:
                if line.startswith("- "):
                    items.append(line[2:])
                else:
                    items[-1] += " " + line
            blocks.append(("ul", items))
        else:
            blocks.append(("p", " ".join(lines)))
    return blocks


INLINE = re.compile(r"`([^`]+)`|\*([^*\s][^*]*)\*")


# --- roff ----------------------------------------------------------------------------------

def roff_escape(text, code=False):
    text = text.replace("\\", "\\e")
    if code:
        text = text.replace("-", "\\-")
    return text


def roff_inline(text):
    out, pos = [], 0
    for match in INLINE.finditer(text):
        out.append(roff_escape(text[pos:match.start()]))
        if match.group(1) is not None:
            out.append("\\fB" + roff_escape(match.group(1), code=True) + "\\fR")
        else:
            out.append("\\fI" + roff_escape(match.group(2)) + "\\fR")
        pos = match.end()
    out.append(roff_escape(text[pos:]))
    return "".join(out)


def roff_line(line):
    # A line starting with . or ' would be read as a request.
    return "\\&" + line if line[:1] in (".", "'") else line


def roff_wrap(text):
    """Inline-formatted text as source lines of at most ~80 columns."""
    return [roff_line(line) for line in textwrap.wrap(roff_inline(text), 80,
                                                      break_on_hyphens=False,
                                                      break_long_words=False)]


def roff_blocks(text, first_pp=True):
    out = []
    for i, (kind, body) in enumerate(paragraphs(text)):
        if kind == "p":
            if i > 0 or first_pp:
                out.append(".PP" if first_pp else ".IP")
            out += roff_wrap(body)
        else:
            for item in body:
                out.append('.IP \\(bu 2')
                out += roff_wrap(item)
    return out


def roff_example(example, in_tp=False):
    # Inside a .TP item, .IP keeps the item's indentation; elsewhere .RS indents.
    out = [".IP", ".nf"] if in_tp else [".PP", ".RS 4", ".nf"]
    for line in example.rstrip("\n").splitlines():
        out.append(roff_line(roff_escape(line, code=True)))
    return out + ([".fi"] if in_tp else [".fi", ".RE"])


def roff_synopsis(synopsis):
    """'[--config FILE] fetch --once' -> bold words and options, italic placeholders."""
    out = []
    for token in re.split(r"(\s+|[\[\]|])", synopsis):
        if not token:
            continue
        if token.isspace():
            out.append(" ")
        elif token in "[]|":
            out.append(token)
        elif re.fullmatch(r"[A-Z][A-Z_]*", token):
            out.append("\\fI" + token + "\\fR")
        else:
            out.append("\\fB" + roff_escape(token, code=True) + "\\fR")
    return "".join(out)


def roff_flags(option):
    flags = ", ".join("\\fB" + roff_escape(f, code=True) + "\\fR" for f in option["flags"])
    if option.get("arg"):
        flags += " \\fI" + option["arg"] + "\\fR"
    return flags


def roff_options(options):
    out = []
    for option in options:
        out += [".TP", roff_flags(option)]
        out += roff_blocks(option["help"], first_pp=False)
    return out


def man_header(title, section, version, kind):
    return ['.\\" ' + GENERATED_NOTE,
            f'.TH {title} {section} "" "feedpop {version}" "{kind}"',
            ".nh", ".ad l"]


def feedpop_1(ref, version):
    out = man_header("FEEDPOP", 1, version, "User Commands")
    out += [".SH NAME", "feedpop \\- " + ref["summary"], ".SH SYNOPSIS"]
    out += [".B feedpop", "[\\fIGLOBAL OPTIONS\\fR] [\\fICOMMAND\\fR [\\fIOPTIONS\\fR]]"]
    for command in ref["commands"]:
        out += [".br", "\\fBfeedpop\\fR " + roff_synopsis(command["synopsis"])]
    out += [".SH DESCRIPTION"] + roff_blocks(ref["description"])
    out += [".SH GLOBAL OPTIONS"]
    out += roff_wrap("These come before the command; `--help` also comes after it.")
    out += roff_options(ref["global_options"])
    out += [".SH COMMANDS"]
    for command in ref["commands"]:
        out += [".SS " + command["name"], "\\fBfeedpop\\fR " + roff_synopsis(command["synopsis"])]
        out += roff_blocks(command["summary"]) + roff_blocks(command["description"])
        if command.get("options"):
            out += [".PP", "Options:"] + roff_options(command["options"])
    out += [".SH EXIT STATUS"]
    for status in ref["exit_status"]:
        out += [".TP", "\\fB" + str(status["code"]) + "\\fR"]
        out += roff_blocks(status["meaning"], first_pp=False)
    out += [".SH SIGNALS"]
    for signal in ref["signals"]:
        out += [".TP", "\\fB" + signal["name"] + "\\fR"]
        out += roff_blocks(signal["meaning"], first_pp=False)
    out += [".SH ENVIRONMENT"]
    for var in ref["environment"]:
        out += [".TP", "\\fB" + var["name"] + "\\fR"]
        out += roff_blocks(var["meaning"], first_pp=False)
    out += [".SH FILES"]
    for entry in ref["files"]:
        out += [".TP", "\\fI" + roff_escape(entry["path"], code=True) + "\\fR"]
        out += roff_blocks(entry["meaning"], first_pp=False)
    out += see_also(ref["see_also"])
    return "\n".join(out) + "\n"


def see_also(pages):
    out = [".SH SEE ALSO"]
    parts = []
    for page in pages:
        name, section = re.fullmatch(r"(.+)\((\w+)\)", page).groups()
        parts.append(f"\\fB{roff_escape(name, code=True)}\\fR({section})")
    return out + [", ".join(parts)]


def key_attributes(key):
    attrs = ["\\fI" + roff_escape(key["type"]) + "\\fR"]
    if key.get("required"):
        attrs.append("required")
    if "default" in key:
        attrs.append("default: \\fB" + roff_escape(str(key["default"]), code=True) + "\\fR")
    return "; ".join(attrs)


def feeds_yaml_5(ref, version):
    config = ref["config"]
    out = man_header("FEEDS.YAML", 5, version, "File Formats")
    out += [".SH NAME", "feeds.yaml \\- feedpop configuration file", ".SH DESCRIPTION"]
    out += roff_blocks(config["description"])
    out += [".SH VALUE TYPES"]
    for value_type in config["value_types"]:
        out += [".TP", "\\fI" + value_type["name"] + "\\fR"]
        out += roff_blocks(value_type["meaning"], first_pp=False)
    out += [".SH KEYS"]
    for section in config["sections"]:
        out += [".SS " + section["name"]]
        if section.get("description"):
            out += roff_blocks(section["description"])
        for key in section["keys"]:
            out += [".TP", "\\fB" + key["key"] + "\\fR", key_attributes(key), ".br"]
            out += roff_blocks(key["help"], first_pp=False)
            if key.get("example"):
                out += roff_example(key["example"], in_tp=True)
    out += [".SH EXAMPLE"] + roff_example(config["example"])
    out += see_also(["feedpop(1)"])
    return "\n".join(out) + "\n"


# --- Markdown --------------------------------------------------------------------------------

def md_wrap(text, indent=""):
    return textwrap.fill(text, 88, initial_indent=indent, subsequent_indent=" " * len(indent),
                         break_on_hyphens=False, break_long_words=False)


def md_blocks(text, indent=""):
    out = []
    for kind, body in paragraphs(text):
        if kind == "p":
            out.append(md_wrap(body, indent) if not indent else
                       textwrap.indent(md_wrap(body), indent))
        else:
            out.append("\n".join(md_wrap(item, indent + "- ").replace(
                "\n" + " " * (len(indent) + 2), "\n" + indent + "  ") for item in body))
    return "\n\n".join(out)


def md_item(head, text):
    """A bullet whose first paragraph starts with head; later paragraphs indented."""
    blocks = paragraphs(text)
    first = blocks[0][1] if blocks and blocks[0][0] == "p" else ""
    rest = blocks[1:] if first else blocks
    out = [md_wrap(f"{head}{first}", "- ").replace("\n  ", "\n  ")]
    for kind, body in rest:
        if kind == "p":
            out.append(textwrap.indent(md_wrap(body), "  "))
        else:
            out.append("\n".join(md_wrap(item, "  - ") for item in body))
    return "\n\n".join(out)


def md_code(example, lang, indent=""):
    body = example.rstrip("\n")
    return textwrap.indent(f"```{lang}\n{body}\n```", indent, lambda line: True)


def md_flags(option):
    flags = ", ".join(option["flags"])
    return f"`{flags} {option['arg']}`" if option.get("arg") else f"`{flags}`"


def readme_commands(ref):
    out = [f"<!-- {GENERATED_NOTE} Also: man feedpop -->",
           "`feedpop [GLOBAL OPTIONS] [COMMAND [OPTIONS]]`; without a command, feedpop runs "
           "`serve`.", "", "Global options (before the command):", ""]
    out += [md_item(md_flags(o) + ": ", o["help"]) for o in ref["global_options"]]
    for command in ref["commands"]:
        out += ["", f"### `feedpop {command['name']}`", "",
                f"`feedpop {command['synopsis']}`", "",
                md_blocks(command["summary"] + "\n\n" + command["description"])]
        if command.get("options"):
            out += ["", "Options:", ""]
            out += [md_item(md_flags(o) + ": ", o["help"]) for o in command["options"]]
    out += ["", "### Exit status", "", "| status | meaning |", "|---|---|"]
    for status in ref["exit_status"]:
        meaning = " ".join(status["meaning"].split()).replace("|", "\\|")
        out.append(f"| {status['code']} | {meaning} |")
    out += ["", "### Signals", ""]
    out += [md_item(f"`{s['name']}`: ", s["meaning"]) for s in ref["signals"]]
    out += ["", "### Environment", ""]
    out += [md_item(f"`{v['name']}`: ", v["meaning"]) for v in ref["environment"]]
    out += ["", "### Files", ""]
    out += [md_item(f"`{f['path']}`: ", f["meaning"]) for f in ref["files"]]
    return "\n".join(out)


def readme_config(ref):
    config = ref["config"]
    out = [f"<!-- {GENERATED_NOTE} Also: man 5 feeds.yaml -->",
           md_blocks(config["description"]), "", "Value types:", ""]
    out += [md_item(f"*{t['name']}*: ", t["meaning"]) for t in config["value_types"]]
    for section in config["sections"]:
        out += ["", f"### {section['name']}", ""]
        if section.get("description"):
            out += [md_blocks(section["description"]), ""]
        for key in section["keys"]:
            attrs = [key["type"]]
            if key.get("required"):
                attrs.append("required")
            if "default" in key:
                attrs.append(f"default `{key['default']}`")
            item = md_item(f"`{key['key']}` ({', '.join(attrs)}): ", key["help"])
            if key.get("example"):
                item += "\n\n" + md_code(key["example"], "yaml", "  ")
            out.append(item)
    out += ["", "### Example", "", md_code(config["example"], "yaml")]
    return "\n".join(out)


def splice(readme, name, body):
    begin = f"<!-- BEGIN GENERATED REFERENCE: {name} -->"
    end = f"<!-- END GENERATED REFERENCE: {name} -->"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if not pattern.search(readme):
        sys.exit(f"gen_reference: README.md lacks the markers {begin} ... {end}")
    return pattern.sub(lambda _: f"{begin}\n{body}\n{end}", readme, count=1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="compare instead of writing; exit 1 when an output is stale")
    args = parser.parse_args()

    ref = yaml.safe_load(SOURCE.read_text())
    version = project_version()
    readme = README.read_text()
    readme = splice(readme, "config", readme_config(ref))
    readme = splice(readme, "commands", readme_commands(ref))
    outputs = {MAN1: feedpop_1(ref, version), MAN5: feeds_yaml_5(ref, version), README: readme}

    stale = []
    for path, text in outputs.items():
        if not text.isascii() and path != README:
            sys.exit(f"gen_reference: {path.name} would contain non-ASCII text; use roff escapes")
        current = path.read_text() if path.exists() else ""
        if current == text:
            continue
        if args.check:
            stale.append(path)
            sys.stdout.writelines(difflib.unified_diff(
                current.splitlines(True), text.splitlines(True), str(path), "generated", n=1))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"wrote {path.relative_to(ROOT)}")
    if stale:
        names = ", ".join(str(p.relative_to(ROOT)) for p in stale)
        print(f"\nstale: {names}\nrun docs/gen_reference.py and commit the result")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
