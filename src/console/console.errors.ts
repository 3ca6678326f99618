// The console room's refusals, by code (status and problem type: the PROBLEMS table in
// src/common/problem-details.filter.ts).
import { SimpleFeatureError } from '../common/problem.js';

export type ConsoleErrorCode = 'CONSOLE_DISABLED' | 'CONSOLE_FILE_NOT_FOUND' | 'CONSOLE_NOT_BUILT';

export class ConsoleError extends SimpleFeatureError<ConsoleErrorCode> {}
