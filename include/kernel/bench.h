/*
 * kernel/bench.h - in-kernel benchmarks (bench=NAME on the command line).
 */
#ifndef KILN_KERNEL_BENCH_H
#define KILN_KERNEL_BENCH_H

#include <stdbool.h>

/* Runs the benchmarks named in `selection` ("all" or "a,b"); false if none matched. */
bool bench_run(const char *selection);

#endif
