/** Header the bench sends to measure a request without its record (honoured only with BENCH_ROUTES=on). */
export const BENCH_SKIP_RECORD_HEADER = "x-bench-skip-record";
