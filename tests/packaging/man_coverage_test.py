#!/usr/bin/env python3
"""Checks that the man pages document what the program really accepts.

  man_coverage_test.py cli FEEDPOP feedpop.1
      every subcommand and every option that `feedpop --help` and each
      `feedpop <cmd> [<sub>] --help` list appears in feedpop(1), options of a command in
      that command's section (or among the global options)
  man_coverage_test.py config PRINT_CONFIG_KEYS feeds.yaml.5
      every key that gateway::config_keys() lists is documented in feeds.yaml(5) (a map
      through its members), and every key documented there is one the loader accepts
"""

import re
import subprocess
import sys


def man_text(path):
    """The page's source with roff escapes undone, enough for literal searches."""
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"\\f[BIRP]", "", text)
    text = text.replace("\\-", "-").replace("\\&", "").replace("\\e", "\\")
    return text


def man_sections(text):
    """{'.SS name' or '.SH NAME': body} for the page."""
    sections = {}
    current = ""
    for line in text.splitlines():
        match = re.match(r"\.S[HS] (.*)", line)
        if match:
            current = match.group(1).strip()
            sections.setdefault(current, "")
        else:
            sections[current] = sections.get(current, "") + line + "\n"
    return sections


def help_of(feedpop, args):
    result = subprocess.run([feedpop, *args, "--help"], capture_output=True, text=True,
                            timeout=30)
    if result.returncode != 0:
        sys.exit(f"FAIL: `feedpop {' '.join(args)} --help` exited {result.returncode}: "
                 f"{result.stderr}")
    return result.stdout


def parse_help(text):
    """(options, subcommands) of a CLI11 help text."""
    options, subcommands, section = set(), {}, None
    for line in text.splitlines():
        header = re.match(r"^([A-Za-z][A-Za-z ]+):\s*$", line)
        if header:
            section = header.group(1).upper()
            continue
        if section == "OPTIONS" or (section and "OPTION" in section):
            match = re.match(r"^\s+(-[^\s]+(?:\s*,\s*-[^\s]+)*)", line)
            if match:
                for flag in re.split(r"\s*,\s*", match.group(1)):
                    flag = flag.split("=")[0].rstrip(",")
                    if re.fullmatch(r"--?[A-Za-z0-9][\w-]*", flag):
                        options.add(flag)
        elif section == "SUBCOMMANDS":
            match = re.match(r"^\s+([a-z][\w-]*)(?:\s+(.*))?$", line)
            if match:
                subcommands[match.group(1)] = match.group(2) or ""
    return options, subcommands


def man_flags(section_text):
    """Options a man page section documents: the flags of its .TP items."""
    flags = set()
    for item in re.findall(r"^\.TP\n(-.*)$", section_text, re.M):
        flags.update(re.findall(r"(?<![\w-])(--?[A-Za-z0-9][\w-]*)", item))
    return flags


PLACEHOLDER = "not yet implemented"


def documented(flag, text):
    return re.search(r"(?<![\w-])" + re.escape(flag) + r"(?![\w-])", text) is not None


def check_cli(feedpop, page):
    text = man_text(page)
    sections = man_sections(text)
    global_text = sections.get("GLOBAL OPTIONS", "")
    missing = []
    top_options, commands = parse_help(help_of(feedpop, []))
    if not commands:
        missing.append("`feedpop --help` lists no subcommands (cannot parse its output?)")
    for flag in sorted(top_options):
        if not documented(flag, global_text):
            missing.append(f"global option {flag} (not in GLOBAL OPTIONS)")
    checked = len(top_options)
    queue = [[c] for c in commands]
    while queue:
        path = queue.pop(0)
        name = path[0]
        if name not in sections:
            missing.append(f"command `{' '.join(path)}` (no .SS {name} section)")
            continue
        options, subs = parse_help(help_of(feedpop, path))
        checked += len(options)
        if len(path) > 1 and not documented(path[-1], sections[name]):
            missing.append(f"subcommand `{' '.join(path)}` (not in the {name} section)")
        for flag in sorted(options):
            if not (documented(flag, sections[name]) or documented(flag, global_text)):
                missing.append(f"option {flag} of `feedpop {' '.join(path)}`")
        # The other direction, once the command exists: no documented option it lacks.
        if len(path) == 1 and PLACEHOLDER not in commands[name]:
            every = set(options) | set(top_options)
            for sub in subs:
                every |= parse_help(help_of(feedpop, path + [sub]))[0]
            for flag in sorted(man_flags(sections[name]) - every):
                missing.append(f"documented option {flag} of `feedpop {name}` "
                               "(the program does not accept it)")
        queue += [path + [s] for s in subs]
    for flag in sorted(man_flags(global_text) - set(top_options)):
        missing.append(f"documented global option {flag} (the program does not accept it)")
    extra = [n for n in sections if n.islower() and n not in commands]
    missing += [f"documented command `{n}` (the program has no such command)" for n in extra]
    print(f"{len(commands)} commands, {checked} options checked against {page}")
    return missing


def check_config(printer, page):
    keys = subprocess.run([printer], capture_output=True, text=True, check=True,
                          timeout=30).stdout.split()
    if not keys:
        return ["config_keys() returned no keys"]
    text = man_text(page)
    keys_section = re.search(r"^\.SH KEYS\n(.*?)(?=^\.SH )", text, re.M | re.S)
    if not keys_section:
        return [f"{page} has no KEYS section"]
    documented_keys = re.findall(r"^\.TP\n([a-z_][\w.*]*)$", keys_section.group(1), re.M)
    # A map such as "pop3.limits" is documented through its members.
    missing = [f"config key {k} (accepted by the loader, not in {page})" for k in keys
               if k not in documented_keys
               and not any(d.startswith(k + ".") for d in documented_keys)]
    # The other direction: a documented key the loader rejects would be a lie.
    missing += [f"documented key {k} (not accepted by the loader)"
                for k in documented_keys if k not in keys]
    print(f"{len(keys)} keys accepted, {len(documented_keys)} documented in {page}")
    return missing


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("cli", "config"):
        sys.exit(__doc__)
    mode, program, page = sys.argv[1:]
    problems = check_cli(program, page) if mode == "cli" else check_config(program, page)
    for problem in problems:
        print("MISSING: " + problem)
    if problems:
        print("Make docs/reference.yaml say what the program does, then run "
              "docs/gen_reference.py.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
