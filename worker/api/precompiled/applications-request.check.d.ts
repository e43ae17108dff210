/** Whether the value is a body zod's ApplicationsScoreRequestSchema accepts (generated; see check-source.ts). */
export declare function check(value: unknown): boolean;
