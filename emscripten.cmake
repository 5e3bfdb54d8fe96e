# CMake toolchain file: finds Emscripten and forwards to its own toolchain file.
#
#   cmake -DCMAKE_TOOLCHAIN_FILE=emscripten.cmake ...
#
# Looks, in order, at an emsdk install ($EMSDK), an explicit $EMSCRIPTEN root,
# and Debian's `emscripten` package (/usr/share/emscripten). It only locates the
# compiler: flags live on the targets in CMakeLists.txt, builds in CMakePresets.json.
set(_wasmchat_emscripten_candidates)
if(DEFINED ENV{EMSDK})
  list(APPEND _wasmchat_emscripten_candidates "$ENV{EMSDK}/upstream/emscripten")
endif()
if(DEFINED ENV{EMSCRIPTEN})
  list(APPEND _wasmchat_emscripten_candidates "$ENV{EMSCRIPTEN}")
endif()
list(APPEND _wasmchat_emscripten_candidates "/usr/share/emscripten" "/usr/lib/emscripten")

foreach(_root IN LISTS _wasmchat_emscripten_candidates)
  if(EXISTS "${_root}/cmake/Modules/Platform/Emscripten.cmake")
    set(WASMCHAT_EMSCRIPTEN_ROOT "${_root}" CACHE PATH "Emscripten root used by emscripten.cmake")
    break()
  endif()
endforeach()

if(NOT WASMCHAT_EMSCRIPTEN_ROOT)
  message(FATAL_ERROR "emscripten.cmake: no Emscripten found. Install emsdk and set EMSDK, "
                      "or `apt-get install emscripten` (Debian).")
endif()

include("${WASMCHAT_EMSCRIPTEN_ROOT}/cmake/Modules/Platform/Emscripten.cmake")
