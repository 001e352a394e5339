// Types for conformance-core.mjs (used by the Worker test suite).
export interface ExampleResult { file: string; index: number; name: string; pass: boolean; why: string | null }
export type Call = (method: string, path: string, key: string, body: unknown, contentType?: string) => Promise<{ status: number; json: unknown }>;
export const FILE_ORDER: string[];
export function same(expected: unknown, got: unknown): boolean;
export function compare(expected: Record<string, unknown>, got: unknown): string | null;
export function runExamples(options: { call: Call; key: string; suites: Record<string, unknown>; sqlInserts: unknown; tag?: string; onResult?: (r: ExampleResult) => void }): Promise<ExampleResult[]>;
export function exampleId(r: ExampleResult): string;
