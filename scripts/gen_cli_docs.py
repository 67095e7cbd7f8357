#!/usr/bin/env python3
"""Man pages and shell completions for carta, generated from its --help texts.

Reads `carta --help` for the list of commands and `carta COMMAND --help` for each command's
description, usage, positionals, options and footer (CLI11's layout), and writes

  MAN_DIR/carta.1.gz, MAN_DIR/carta-COMMAND.1.gz   one man page per command (gzip -9n)
  BASH_FILE                                        bash completion (complete -F _carta carta)
  ZSH_FILE                                         zsh completion (#compdef carta)

so that the pages and completions cannot drift from the CLI: the build runs this after linking
carta. Only the standard library is used.

Usage: gen_cli_docs.py CARTA_EXE --version-file VERSION --man-dir DIR --bash FILE --zsh FILE
"""

import argparse
import datetime
import gzip
import os
import re
import subprocess
import sys

HEADINGS = ("Positionals:", "Options:", "Subcommands:")
# An entry of a section: two spaces, the names (no run of two spaces inside), then two or more
# spaces and the description; or the names alone when they fill the column.
ENTRY = re.compile(r"^  (\S(?:\S| (?! ))*)(?:\s{2,}(\S.*))?$")


class Option:
    def __init__(self, names, value, description):
        self.names = names          # ["-o", "--out", "--output"]
        self.value = value          # "FILE", "{text,json}", "" for a flag
        self.description = description

    def choices(self):
        """The values of an option whose type lists them, as CLI11 writes {a,b,c}."""
        m = re.search(r"\{([^{}]*)\}", self.value)
        if not m:
            return []
        return [c.strip() for c in m.group(1).split(",") if c.strip()]

    def completes(self):
        """What the value completes to: 'choices', 'none' (numbers, column names), 'dir' or 'file'
        (FILE, and TEXT, which is most often a file name)."""
        if not self.value:
            return "flag"
        if self.choices():
            return "choices"
        kind = re.split(r"[\s=]", self.value)[0]
        if kind in ("INT", "UINT", "FLOAT", "LEVEL", "COLUMN", "NUMBER"):
            return "none"
        if kind == "DIR":
            return "dir"
        return "file"


class Command:
    def __init__(self, name):
        self.name = name            # "carta" or "pool"
        self.description = []
        self.usage = ""
        self.positionals = []       # [(name, description)]
        self.options = []           # [Option]
        self.subcommands = []       # [(name, description)]
        self.footer = []


def run_help(exe, args):
    out = subprocess.run([exe] + args + ["--help"], check=True, capture_output=True, text=True,
                         env=dict(os.environ, COLUMNS="100")).stdout
    return out.splitlines()


def parse_entries(lines):
    """Entries of one section: (names, description), continuation lines joined."""
    entries = []
    for line in lines:
        if entries and (line.startswith("   ") or not line.strip()):
            names, text = entries[-1]
            entries[-1] = (names, (text + " " + line.strip()).strip())
            continue
        m = ENTRY.match(line)
        if not m:
            raise ValueError(f"unexpected line in a --help section: {line!r}")
        entries.append((m.group(1), (m.group(2) or "").strip()))
    return entries


def split_option(names):
    """'-o,--out,--output FILE' -> (['-o', '--out', '--output'], 'FILE')."""
    head, _, value = names.partition(" ")
    value = value.strip()
    # CLI11 marks some options REQUIRED, or with their default, after the type.
    return [n for n in head.split(",") if n], value


def parse_help(name, lines):
    cmd = Command(name)
    i = 0
    while i < len(lines) and not lines[i].startswith("Usage:"):
        cmd.description.append(lines[i])
        i += 1
    if i == len(lines):
        raise ValueError(f"{name}: no 'Usage:' line in --help")
    cmd.usage = lines[i][len("Usage:"):].strip()
    i += 1
    while i < len(lines) and not lines[i].strip():
        i += 1
    # Sections until a line that is not one of CLI11's headings: the rest is the footer.
    while i < len(lines) and lines[i].strip() in HEADINGS:
        heading = lines[i].strip()
        i += 1
        body = []
        while i < len(lines) and lines[i].strip():
            body.append(lines[i])
            i += 1
        while i < len(lines) and not lines[i].strip():
            i += 1
        entries = parse_entries(body)
        if heading == "Positionals:":
            cmd.positionals = [(n.split(" ")[0], d) for n, d in entries]
        elif heading == "Options:":
            for names, text in entries:
                flags, value = split_option(names)
                cmd.options.append(Option(flags, value, text))
        else:
            cmd.subcommands = [(n, d) for n, d in entries]
    cmd.footer = lines[i:]
    while cmd.description and not cmd.description[-1].strip():
        cmd.description.pop()
    while cmd.footer and not cmd.footer[-1].strip():
        cmd.footer.pop()
    return cmd


# --- man pages ------------------------------------------------------------------------------

def roff(text):
    """Text for a roff line: backslashes, leading dots and quotes, and hyphens escaped."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    if text.startswith((".", "'")):
        text = "\\&" + text
    return text


def man_page(cmd, top, version, date):
    title = "carta" if cmd is top else f"carta-{cmd.name}"
    summary = " ".join(l.strip() for l in cmd.description if l.strip())
    summary = re.sub(r"^carta:\s*", "", summary)
    first = re.split(r"(?<=\.)\s", summary, maxsplit=1)[0] if summary else "carta command"
    lines = [f'.TH "{title.upper()}" "1" "{date}" "carta {version}" "carta manual"',
             ".SH NAME", f"{roff(title)} \\- {roff(first.rstrip('.:'))}",
             ".SH SYNOPSIS", ".nf", roff(cmd.usage), ".fi"]
    if cmd.description:
        lines += [".SH DESCRIPTION"]
        for paragraph in "\n".join(cmd.description).split("\n\n"):
            lines += [".PP", roff(" ".join(l.strip() for l in paragraph.splitlines() if l.strip()))]
    if cmd.positionals:
        lines += [".SH ARGUMENTS"]
        for name, text in cmd.positionals:
            lines += [".TP", f"\\fI{roff(name)}\\fR", roff(text)]
    if cmd.options:
        lines += [".SH OPTIONS"]
        for o in cmd.options:
            names = ", ".join(f"\\fB{roff(n)}\\fR" for n in o.names)
            if o.value:
                names += f" \\fI{roff(o.value)}\\fR"
            lines += [".TP", names, roff(o.description)]
    if cmd.subcommands:
        lines += [".SH COMMANDS"]
        for name, text in cmd.subcommands:
            lines += [".TP", f"\\fBcarta {roff(name)}\\fR", roff(text.rstrip(".")) + f". See \\fBcarta\\-{roff(name)}\\fR(1)."]
    if cmd.footer:
        lines += [".SH NOTES", ".nf"] + [roff(l) for l in cmd.footer] + [".fi"]
    lines += [".SH EXIT STATUS",
              "0 on success; 3 when the results were written but an iteration did not converge (a warning "
              "says which); 64 for a usage error (an unknown option, a value out of its domain); 65 for "
              "input data that are malformed or impossible; 66 for a file that cannot be read or written; 70 "
              "for a computation that cannot proceed, or an internal error."]
    see = ["carta"] if cmd is not top else []
    see += [f"carta-{n}" for n, _ in top.subcommands if n != cmd.name]
    lines += [".SH SEE ALSO", ", ".join(f"\\fB{roff(s)}\\fR(1)" for s in see)]
    return title, "\n".join(lines) + "\n"


# --- completions ----------------------------------------------------------------------------

def bash_completion(top, commands):
    names = " ".join(n for n, _ in top.subcommands)
    out = ["# bash completion for carta, generated from its --help texts by scripts/gen_cli_docs.py;",
           "# do not edit.",
           "_carta() {",
           "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmd='' i",
           "  for ((i = 1; i < COMP_CWORD; i++)); do",
           "    case ${COMP_WORDS[i]} in -*) ;; *) cmd=${COMP_WORDS[i]}; break ;; esac",
           "  done",
           "  local opts files choices",
           "  case $cmd in",
           f"    '') opts='{' '.join(n for o in top.options for n in o.names)}'",
           "      if [[ $cur != -* ]]; then",
           f"        COMPREPLY=($(compgen -W '{names}' -- \"$cur\")); return",
           "      fi ;;"]
    for cmd in commands:
        opts = " ".join(n for o in cmd.options for n in o.names)
        out.append(f"    {cmd.name}) opts='{opts}'")
        # An option's value: its listed choices, a folder, a file name, or nothing (a number).
        cases = []
        for o in cmd.options:
            if o.completes() == "choices":
                cases.append(f"        {'|'.join(o.names)}) COMPREPLY=($(compgen -W '{' '.join(o.choices())}' -- \"$cur\")); return ;;")
        for kind, action in (("dir", "COMPREPLY=($(compgen -d -- \"$cur\"))"),
                             ("file", "COMPREPLY=($(compgen -f -- \"$cur\"))"),
                             ("none", "COMPREPLY=()")):
            names = "|".join(n for o in cmd.options if o.completes() == kind for n in o.names)
            if names:
                cases.append(f"        {names}) {action}; return ;;")
        if cases:
            out += ["      case $prev in"] + cases + ["      esac"]
        out.append("      ;;")
    out += ["    *) return ;;",
            "  esac",
            "  if [[ $cur == -* ]]; then",
            "    COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))",
            "  else",
            "    COMPREPLY=($(compgen -f -- \"$cur\"))",
            "  fi",
            "}",
            "complete -o filenames -F _carta carta",
            ""]
    return "\n".join(out)


def zsh_quote(text):
    return text.replace("\\", "\\\\").replace("'", "'\\''").replace("[", "\\[").replace("]", "\\]").replace(":", "\\:")


def zsh_completion(top, commands):
    out = ["#compdef carta",
           "# zsh completion for carta, generated from its --help texts by scripts/gen_cli_docs.py;",
           "# do not edit.",
           "",
           "_carta() {",
           "  local context state state_descr line",
           "  typeset -A opt_args",
           "  local -a commands",
           "  commands=("]
    for name, text in top.subcommands:
        out.append(f"    '{name}:{zsh_quote(text)}'")
    out += ["  )",
            "  _arguments -C \\"]
    for o in top.options:
        out.append(f"    '({' '.join(o.names)})'{{{','.join(o.names)}}}'[{zsh_quote(o.description)}]' \\"
                   if len(o.names) > 1 else f"    '{o.names[0]}[{zsh_quote(o.description)}]' \\")
    out += ["    '1: :->command' \\",
            "    '*:: :->args'",
            "  case $state in",
            "    command) _describe -t commands 'carta command' commands ;;",
            "    args)",
            "      case $line[1] in"]
    for cmd in commands:
        specs = []
        for o in cmd.options:
            action = {"flag": "", "choices": ":value:(" + " ".join(o.choices()) + ")", "none": ":value: ",
                      "dir": ":folder:_files -/", "file": ":file:_files"}[o.completes()]
            text = zsh_quote(o.description.split(". ")[0][:120])  # cut before quoting: never inside an escape
            if len(o.names) > 1:
                specs.append(f"'({' '.join(o.names)})'{{{','.join(o.names)}}}'[{text}]{action}'")
            else:
                specs.append(f"'{o.names[0]}[{text}]{action}'")
        specs.append("'*:file:_files'")
        out.append(f"        {cmd.name}) _arguments \\")
        out += [f"            {s} \\" for s in specs[:-1]] + [f"            {specs[-1]} ;;"]
    out += ["      esac ;;",
            "  esac",
            "}",
            "",
            '_carta "$@"',
            ""]
    return "\n".join(out)


def write_if_changed(path, data):
    mode = "wb" if isinstance(data, bytes) else "w"
    try:
        with open(path, "rb") as f:
            old = f.read()
        if old == (data if isinstance(data, bytes) else data.encode()):
            return
    except FileNotFoundError:
        pass
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, mode) as f:
        f.write(data)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("carta")
    p.add_argument("--version-file", required=True)
    p.add_argument("--man-dir", required=True)
    p.add_argument("--bash", required=True)
    p.add_argument("--zsh", required=True)
    a = p.parse_args()

    with open(a.version_file) as f:
        version = f.read().strip()
    # The date of the page: SOURCE_DATE_EPOCH for reproducible packages, else the VERSION file's.
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", os.path.getmtime(a.version_file)))
    date = datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%d")

    top = parse_help("carta", run_help(a.carta, []))
    if not top.subcommands:
        sys.exit("gen_cli_docs: carta --help lists no subcommands")
    commands = [parse_help(name, run_help(a.carta, [name])) for name, _ in top.subcommands]

    os.makedirs(a.man_dir, exist_ok=True)
    wanted = set()
    for cmd in [top] + commands:
        title, page = man_page(cmd, top, version, date)
        path = os.path.join(a.man_dir, f"{title}.1.gz")
        wanted.add(os.path.basename(path))
        write_if_changed(path, gzip.compress(page.encode(), compresslevel=9, mtime=0))
    # A command that no longer exists loses its page.
    for stale in set(os.listdir(a.man_dir)) - wanted:
        if stale.endswith(".1.gz"):
            os.remove(os.path.join(a.man_dir, stale))
    write_if_changed(a.bash, bash_completion(top, commands))
    write_if_changed(a.zsh, zsh_completion(top, commands))


if __name__ == "__main__":
    main()
