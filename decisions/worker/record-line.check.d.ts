/** Whether the value is a line zod's RecordLineSchema accepts (generated; see scripts/precompile-checks). */
export declare function check(value: unknown): boolean;
