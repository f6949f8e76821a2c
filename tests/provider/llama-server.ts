// llama.cpp's OpenAI-compatible server (llama-cpp-python[server], pinned; scripts/llama-server.js
// installs it) serving the default SmolLM2 GGUF on 127.0.0.1, for the provider's real-server tests.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { SMOLLM2, sleep } from '../addon/helpers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const llamaServer = require('../../scripts/llama-server.js') as { ensure(): string };

export const MODEL_ALIAS = 'smollm2';

export interface LlamaServer {
  /** `http://127.0.0.1:{port}/v1` */
  base: string;
  port: number;
  proc: ChildProcess;
  /** The server's own log lines (uvicorn's access log among them). */
  log: string[];
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts the server and waits until `GET /v1/models` answers. `interrupt_requests` is off: by default
 * a new request stops the one being streamed, and the load test sends many.
 */
export async function startLlamaServer(): Promise<LlamaServer> {
  const python = llamaServer.ensure();
  const port = await freePort();
  const proc = spawn(
    python,
    ['-m', 'llama_cpp.server', '--model', SMOLLM2, '--model_alias', MODEL_ALIAS, '--host', '127.0.0.1', '--port', String(port),
      '--n_ctx', '4096', '--n_threads', '1', '--interrupt_requests', 'False'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const log: string[] = [];
  const keep = (d: Buffer) => log.push(...d.toString('utf8').split('\n').filter((l) => l !== ''));
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const base = `http://127.0.0.1:${port}/v1`;
  const started = Date.now();
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`llama_cpp.server exited (${proc.exitCode}):\n${log.slice(-20).join('\n')}`);
    try {
      const r = await fetch(`${base}/models`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > 120_000) {
      proc.kill('SIGKILL');
      throw new Error(`llama_cpp.server did not answer within 120 s:\n${log.slice(-20).join('\n')}`);
    }
    await sleep(250);
  }
  return {
    base,
    port,
    proc,
    log,
    stop: async () => {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      await Promise.race([exited, sleep(5000).then(() => proc.kill('SIGKILL'))]);
    },
  };
}

/**
 * The established TCP connections from this process to `port` (Linux: /proc/net/tcp); undefined
 * where /proc is not there.
 */
export function connectionsTo(port: number): number | undefined {
  if (!fs.existsSync('/proc/net/tcp')) return undefined;
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  // Sockets of this process: the inodes its file descriptors point at.
  const inodes = new Set<string>();
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/self/fd/${fd}`));
      if (m?.[1]) inodes.add(m[1]);
    } catch {
      // closed meanwhile
    }
  }
  let open = 0;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!fs.existsSync(file)) continue;
    for (const line of fs.readFileSync(file, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // remote address is f[2] ("IP:PORT"), the state f[3] (01 = established), the inode f[9].
      if (f.length > 9 && f[2]?.endsWith(`:${hex}`) && f[3] === '01' && inodes.has(f[9] ?? '')) open += 1;
    }
  }
  return open;
}
