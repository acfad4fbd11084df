#!/usr/bin/env sh
# CMake flags for building llama.cpp (llama-cpp-python) on this CPU.
# A "native" build crashed with "Illegal instruction" on some CPUs, so the
# instruction sets are chosen explicitly from /proc/cpuinfo. AMX stays off;
# the multimodal library is not built (not used, and it doubles compile time).
flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null)
has() { case " $flags " in *" $1 "*) echo ON ;; *) echo OFF ;; esac; }
echo "-DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF" \
  "-DGGML_AVX=$(has avx) -DGGML_AVX2=$(has avx2) -DGGML_FMA=$(has fma) -DGGML_F16C=$(has f16c)" \
  "-DGGML_AVX512=$(has avx512f) -DGGML_AVX512_VNNI=$(has avx512_vnni) -DGGML_AVX512_BF16=$(has avx512_bf16)" \
  "-DGGML_AVX_VNNI=$(has avx_vnni) -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
