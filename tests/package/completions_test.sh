#!/usr/bin/env bash
# The generated completions cover the CLI (issue 22): every subcommand that `carta --help` lists
# completes after `carta `, in bash (the completion function is run) and in zsh (the file lists
# it); and after `carta COMMAND --`, bash offers every long option of `carta COMMAND --help`.
#   completions_test.sh CARTA_EXE BASH_COMPLETION ZSH_COMPLETION
set -euo pipefail
exe="$1"
bash_file="$2"
zsh_file="$3"
fail() { echo "FAIL: $*"; exit 1; }

# The subcommands: the entries of the "Subcommands:" section of carta --help.
mapfile -t commands < <("$exe" --help | awk '/^Subcommands:/ {on = 1; next} on && /^$/ {exit} on && /^  [^ ]/ {print $1}')
[[ ${#commands[@]} -ge 10 ]] || fail "carta --help lists ${#commands[@]} subcommands: ${commands[*]}"

# shellcheck disable=SC1090
source "$bash_file"
complete_words() {  # the words bash would offer after "$@" and an empty or partial last word
  COMP_WORDS=("$@")
  COMP_CWORD=$(($# - 1))
  COMPREPLY=()
  _carta
  printf '%s\n' "${COMPREPLY[@]}"
}

offered="$(complete_words carta '')"
checked=0
for c in "${commands[@]}"; do
  grep -qx -- "$c" <<<"$offered" || fail "bash does not complete 'carta $c'"
  grep -q -- "^    '$c:" "$zsh_file" || fail "zsh does not list '$c' as a command"
  grep -q -- "^        $c) _arguments" "$zsh_file" || fail "zsh has no arguments for '$c'"
  # Long options: the names column of each entry in the command's Options section.
  mapfile -t options < <("$exe" "$c" --help | awk '/^Options:/ {on = 1; next} on && /^$/ {exit} on && /^  -/ {print $1}' \
                           | tr ',' '\n' | grep -- '^--')
  [[ ${#options[@]} -ge 1 ]] || fail "carta $c --help lists no options"
  long="$(complete_words carta "$c" --)"
  for o in "${options[@]}"; do
    grep -qx -- "$o" <<<"$long" || fail "bash does not complete 'carta $c $o'"
    grep -q -- "$o" "$zsh_file" || fail "zsh does not know 'carta $c $o'"
    checked=$((checked + 1))
  done
done
echo "ok: ${#commands[@]} subcommands and $checked long options complete in bash and are listed for zsh"
