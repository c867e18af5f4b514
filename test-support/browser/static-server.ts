/**
 * A static file server on 127.0.0.1 for browser tests: serves files from one or more folders, sends
 * the cross-origin isolation headers (COOP/COEP) that wasm threads need, and records every path asked
 * for, so a test can assert what the page fetched.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.bin': 'application/octet-stream',
};

/** A running server; `close()` stops it. */
export interface StaticServer {
  /** `http://127.0.0.1:PORT` (no trailing slash). */
  origin: string;
  /** Every request path served or refused, in order. */
  requests: string[];
  close(): Promise<void>;
}

export interface StaticServerOptions {
  /** URL prefix → folder, e.g. `{ '/': dist, '/mnist/': mnistDir }`; the longest matching prefix wins. */
  mounts: Readonly<Record<string, string>>;
  /** Send `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp` (default true). */
  crossOriginIsolated?: boolean;
}

export async function startStaticServer({ mounts, crossOriginIsolated = true }: StaticServerOptions): Promise<StaticServer> {
  const prefixes = Object.keys(mounts).sort((a, b) => b.length - a.length);
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
    requests.push(path);
    const headers: Record<string, string> = { 'Cache-Control': 'no-store' };
    if (crossOriginIsolated) {
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
      headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
      headers['Cross-Origin-Resource-Policy'] = 'same-origin';
    }
    const prefix = prefixes.find((candidate) => path.startsWith(candidate));
    if (prefix === undefined) {
      response.writeHead(404, headers).end('not found');
      return;
    }
    const root = resolve(mounts[prefix]!);
    let file = normalize(join(root, path.slice(prefix.length)));
    if (file !== root && !file.startsWith(root + sep)) {
      response.writeHead(403, headers).end('forbidden');
      return;
    }
    stat(file)
      .then(async (info) => {
        if (info.isDirectory()) {
          file = join(file, 'index.html');
          info = await stat(file);
        }
        response.writeHead(200, { ...headers, 'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': String(info.size) });
        createReadStream(file).pipe(response);
      })
      .catch(() => response.writeHead(404, headers).end('not found'));
  });
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolveClose) => server.close(() => resolveClose())),
  };
}
