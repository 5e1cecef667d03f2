#!/usr/bin/env bash
# Rebuilds lame.wasm, LAME 3.100 (LGPL-2.0-or-later, https://lame.sourceforge.io)
# compiled to WebAssembly with the small interface in lame-glue.c.
#
#   apt-get install emscripten        # Debian 12: emscripten 3.1.6
#   src/audio/encoders/lame/build.sh /path/to/lame-3.100
#
# Why our own build: the packaged one (wasm-media-encoders) is compiled for size
# (-Oz) and fixes LAME's algorithm quality at its default, 3. This one is -O3 and
# takes the quality per stream; see mp3.ts for the figures.
set -euo pipefail
source_dir=$(cd "${1:?usage: build.sh LAME_SOURCE_DIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Debian's emscripten runs its JS tools with the system's acorn.
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}
cd "$work"
# i686 as the host: a 32-bit target like wasm32, and configure does not try to run what it builds.
emconfigure "$source_dir/configure" --host=i686-pc-linux-gnu CFLAGS="-DNDEBUG -DNO_STDIO -O3" \
  --prefix="$work/out" --disable-shared --disable-gtktest --disable-analyzer-hooks \
  --disable-decoder --disable-frontend --disable-nasm >configure.log
emmake make -j"$(nproc)" >make.log
emmake make install >>make.log
emcc -O3 "$here/lame-glue.c" "$work/out/lib/libmp3lame.a" -I"$work/out/include" \
  --no-entry -s STANDALONE_WASM -s ALLOW_MEMORY_GROWTH -s TOTAL_STACK=1MB -s INITIAL_MEMORY=4MB -s MALLOC=emmalloc -s FILESYSTEM=0 \
  -s EXPORTED_FUNCTIONS=_encoder_create,_encoder_free,_encoder_input,_encoder_output,_encoder_encode,_encoder_flush \
  -o "$here/lame.wasm"
echo "wrote $here/lame.wasm"
