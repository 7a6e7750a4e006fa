// The child process as a shell sees it: finding the command on PATH (127 not found, 126 not
// executable), the exit code that reports how it ended (its own, or 128 + the signal's number),
// and which signals exec forwards.

import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

/** Forwarded to the child; exec itself waits for the child to end and reports how it did. */
export const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type ForwardedSignal = (typeof FORWARDED_SIGNALS)[number];

export const EXIT_NOT_EXECUTABLE = 126;
export const EXIT_NOT_FOUND = 127;

export interface CommandProblem {
  exitCode: typeof EXIT_NOT_EXECUTABLE | typeof EXIT_NOT_FOUND;
  code: 'command_not_found' | 'command_not_executable';
  message: string;
}

export type FoundCommand = { path: string } | { problem: CommandProblem };

export function signalNumber(signal: NodeJS.Signals): number {
  return osConstants.signals[signal] ?? 0;
}

/** As a shell reports it: the exit code, or 128 + the number of the signal that ended the child. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (signal) return 128 + signalNumber(signal);
  return code ?? 1;
}

const notFound = (command: string): CommandProblem => ({ exitCode: EXIT_NOT_FOUND, code: 'command_not_found', message: `${command}: command not found` });
const notExecutable = (command: string, why: string): CommandProblem => ({ exitCode: EXIT_NOT_EXECUTABLE, code: 'command_not_executable', message: `${command}: ${why}` });

/** The problem a failed spawn reports, in a shell's terms. */
export function spawnProblem(command: string, err: NodeJS.ErrnoException): CommandProblem {
  if (err.code === 'ENOENT') return notFound(command);
  if (err.code === 'EACCES' || err.code === 'EPERM') return notExecutable(command, 'permission denied (not executable)');
  if (err.code === 'EISDIR') return notExecutable(command, 'is a directory');
  if (err.code === 'ENOEXEC') return notExecutable(command, 'cannot execute (not a program this system can run)');
  return notExecutable(command, `cannot be started: ${err.code ?? err.message}`);
}

/** Why `path` cannot be run, or null when it can. */
function unrunnable(path: string): 'missing' | 'directory' | 'not_executable' | null {
  let st;
  try {
    st = statSync(path);
  } catch {
    return 'missing';
  }
  if (st.isDirectory()) return 'directory';
  try {
    accessSync(path, fsConstants.X_OK);
  } catch {
    return 'not_executable';
  }
  return st.isFile() ? null : 'not_executable';
}

/**
 * Finds the program as execvp would, before anything is started: a name with a slash is a path
 * (from `cwd`); a bare name is looked up on PATH, where a match that cannot be run is remembered
 * and reported (126) only when no runnable one comes later. On Windows the lookup is left to
 * spawn (PATHEXT), whose error is reported the same way.
 */
export function findCommand(command: string, pathVar: string | undefined, cwd: string, platform: NodeJS.Platform = process.platform): FoundCommand {
  if (command === '') return { problem: notFound("''") };
  if (platform === 'win32') return { path: command };
  const why = (w: 'directory' | 'not_executable'): CommandProblem => notExecutable(command, w === 'directory' ? 'is a directory' : 'permission denied (not executable)');
  if (command.includes('/')) {
    const path = isAbsolute(command) ? command : resolve(cwd, command);
    const u = unrunnable(path);
    if (u === null) return { path };
    return { problem: u === 'missing' ? notFound(command) : why(u) };
  }
  let blocked: CommandProblem | undefined;
  for (const dir of (pathVar ?? '').split(delimiter)) {
    // An empty PATH entry means the current folder, as it does for a shell.
    const path = join(dir === '' ? cwd : resolve(cwd, dir), command);
    const u = unrunnable(path);
    if (u === null) return { path };
    if (u !== 'missing') blocked ??= why(u);
  }
  return { problem: blocked ?? notFound(command) };
}

/**
 * Whether this process sits in the foreground process group of a terminal, read from
 * /proc/self/stat (Linux). Then Ctrl-C reaches the child straight from the terminal (it is in the
 * same group), and forwarding SIGINT as well would interrupt it twice. Null when unknown.
 */
export function inTerminalForeground(statText: string): boolean | null {
  const close = statText.lastIndexOf(')');
  if (close < 0) return null;
  // After "pid (comm)": state ppid pgrp session tty_nr tpgid ...
  const f = statText.slice(close + 2).split(' ');
  const pgrp = Number(f[2]);
  const ttyNr = Number(f[4]);
  const tpgid = Number(f[5]);
  if (![pgrp, ttyNr, tpgid].every(Number.isInteger)) return null;
  return ttyNr !== 0 && tpgid === pgrp;
}
