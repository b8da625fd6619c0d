/* empty.c - a library with nothing in it: bench's "preload" floor. */
int fg_bench_empty;
