// Prompts only where a person can answer them.
//
// @inquirer/prompts either rejects or waits forever on a pipe, so every prompt goes through
// `ask`, which refuses without a TTY and names the flag that would have supplied the value.
import { usageError } from './errors.js';

export function interactive(): boolean {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY) && process.env.ODOO_KEYS_NO_PROMPT !== '1';
}

/**
 * Returns `value` when given; otherwise asks on a TTY with `prompt`, or fails naming `flag`.
 * `prompt` is only called on a TTY.
 */
export async function valueOrAsk<T>(value: T | undefined, flag: string, prompt: () => Promise<T>): Promise<T> {
  if (value !== undefined) return value;
  if (!interactive()) throw usageError(`missing ${flag} (no terminal to ask on)`, 'missing_flag');
  return prompt();
}
