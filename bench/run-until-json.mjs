/**
 * Runs a command that prints one JSON object on stdout and returns it. A process that printed its
 * object but does not exit (worker threads left running keep Node alive) is stopped after a grace
 * period. Shared by bench/run.js and bench/onnx-peer.mjs.
 */
import { spawn } from 'node:child_process';
import { basename } from 'node:path';

/** Resolves to `{ status, json }`: the exit status (or signal) and the parsed object, if one was printed. */
export function runUntilJson(command, args, { graceMilliseconds = 5000, env = process.env } = {}) {
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], env });
    let stdout = '';
    let json;
    let timer;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      try {
        json = JSON.parse(stdout);
      } catch {
        return; // not complete yet
      }
      timer ??= setTimeout(() => {
        process.stderr.write(`bench: ${basename(args[0] ?? command)} printed its result but did not exit within ${graceMilliseconds / 1000} s; stopping it\n`);
        child.kill('SIGTERM');
      }, graceMilliseconds);
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolvePromise({ status: status ?? signal, json });
    });
  });
}
