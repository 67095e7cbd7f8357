#!/usr/bin/env zsh
# zsh completes carta (issue 22): an interactive zsh in a pseudo-terminal loads the generated
# _carta through compinit, and what Tab offers after `carta ` and after `carta pool --` is
# captured (compadd records its matches) and checked against `carta --help`.
#   zsh_completion_test.zsh CARTA_EXE ZSH_COMPLETION_DIR WORK_DIR
emulate -L zsh
setopt err_return no_unset
exe=${1:A} completion_dir=${2:A} work=${3:A}
fail() { print -r -- "FAIL: $*"; exit 1 }
mkdir -p $work
zmodload zsh/zpty || fail "zsh/zpty is not available"

# The shell under test: no user configuration, completion from the generated file only, and a
# compadd that prints each batch of matches between markers before adding them.
cat > $work/setup.zsh <<SETUP
PS1='' RPS1=''
# Tab completes without listing (and without asking whether to list 179 matches).
setopt no_auto_list no_list_beep no_beep
fpath=(${(q)completion_dir} \$fpath)
path=(${(q)exe:h} \$path)
autoload -Uz compinit && compinit -u -d ${(q)work}/zcompdump
compadd() {
  local -a matches
  builtin compadd -O matches "\$@"
  (( \$#matches )) && print -r -- "<m>\${(j: :)matches}</m>"
  builtin compadd "\$@"
}
SETUP

zpty carta_shell zsh -f -i
zpty -w carta_shell "source ${(q)work}/setup.zsh; print \${:-ready}0"
# Keystrokes sent before the line editor starts may be discarded: wait until the setup has run.
ready() {
  local line deadline=$(( SECONDS + 20 ))
  while (( SECONDS < deadline )); do
    zpty -r -t carta_shell line || { sleep 0.05; continue }
    [[ $line == *ready0* ]] && { sleep 0.5; return 0 }
  done
  fail "zsh did not start"
}
ready

# Types $2, presses Tab, clears the line and prints marker number $1; returns the matches offered.
offered() {
  local line collected='' n=$1
  zpty -w -n carta_shell "$2"$'\t'
  sleep 0.5
  # The marker as printed (done1234) differs from the command's echo (${:-done}1234).
  zpty -w carta_shell $'\C-u'"print \${:-done}$n"
  local deadline=$(( SECONDS + 20 ))
  while (( SECONDS < deadline )); do
    zpty -r -t carta_shell line || { sleep 0.05; continue }
    [[ $line == *"<m>"* ]] && collected+=" ${${line#*<m>}%%</m>*}"
    [[ $line == *done$n* ]] && { print -r -- $collected; return 0 }
  done
  fail "no answer from zsh after '$2'"
}

# Fails unless every word in $3... is among what Tab offers after $2 ($1: the marker number).
expect_offered() {
  local n=$1 typed=$2; shift 2
  local -a offered_words=(${="$(offered $n "$typed")"})
  local w
  for w in "$@"; do
    (( ${offered_words[(Ie)$w]} )) || fail "zsh does not offer '$w' after '$typed' (offered: $offered_words)"
  done
}

subcommands=(${(f)"$($exe --help | awk '/^Subcommands:/ {on = 1; next} on && /^$/ {exit} on && /^  [^ ]/ {print $1}')"})
(( $#subcommands >= 10 )) || fail "carta --help lists $#subcommands subcommands"
expect_offered 1 'carta ' $subcommands

long_options=(${(f)"$($exe pool --help | awk '/^Options:/ {on = 1; next} on && /^$/ {exit} on && /^  -/ {print $1}' | tr ',' '\n' | grep -- '^--')"})
(( $#long_options >= 10 )) || fail "carta pool --help lists $#long_options long options"
expect_offered 2 'carta pool --' $long_options
zpty -d carta_shell
print -r -- "ok: zsh offers all $#subcommands subcommands and all $#long_options long options of carta pool"
