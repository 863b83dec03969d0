#!/bin/sh
# Runs rpcgen for one .x file: header and XDR routines. rpcgen names the header in the
# generated #include by the path it was given; rewrite it to the bare file name so the
# build directory works from anywhere.
set -eu
input=$1 header=$2 source=$3
# rpcgen refuses to overwrite its own earlier output (an incremental rebuild).
rm -f "$header" "$source.tmp"
rpcgen -h -o "$header" "$input"
rpcgen -c -o "$source.tmp" "$input"
sed "s|#include \".*/$(basename "$header")\"|#include \"$(basename "$header")\"|" \
    "$source.tmp" >"$source"
rm -f "$source.tmp"
