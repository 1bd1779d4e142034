#pragma once
/// \file
/// CEVNS_KERNEL_CLONES before a hot function compiles it three times — baseline x86-64,
/// x86-64-v3 (AVX2, FMA) and x86-64-v4 (AVX-512) — and picks the version the CPU runs
/// when the program starts (GCC's target_clones, an ifunc). Elsewhere (other compilers or
/// CPUs) it is the baseline function alone. Sources using it are compiled with
/// -ffp-contract=off (their CMakeLists), so that no version fuses a multiply and an add
/// that the baseline rounds twice: every version gives the same numbers.

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define CEVNS_KERNEL_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define CEVNS_KERNEL_CLONES
#endif
