import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../runtime';

/** parseArgs with the product's error type, so a bad flag prints usage instead of a stack trace. */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function print(json: boolean, value: unknown, human: () => string): void {
  console.log(json ? JSON.stringify(value, null, 2) : human());
}
