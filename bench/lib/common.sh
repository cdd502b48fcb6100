# shellcheck shell=bash
# What every bench script starts with, sourced with the script's own
# arguments (`. "$(dirname "$0")/lib/common.sh"`): here (bench/), src (the
# checkout), build (the script's first argument or $src/build, made
# absolute) and brig (that build's brig binary).
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
build=${1:-$src/build}
[[ $build == /* ]] || build=$PWD/$build
brig=$build/src/cli/brig/brig
