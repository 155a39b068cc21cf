/** Whether a loopback port is free for a tool's OAuth redirect, and which process holds it where the OS
 * tells (Linux: /proc). Binding is the test: a listener on 127.0.0.1, 0.0.0.0 or `::` makes it fail. */
import { readdir, readFile, readlink } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';

export interface PortHolder {
  pid: number;
  /** The program's name (the file `/proc/<pid>/exe` links to, else `/proc/<pid>/comm`), never its arguments:
   * those may carry a secret. */
  command: string;
}

/** True when nothing listens on `port` of this machine's loopback interface. */
export function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code !== 'EADDRINUSE' && error.code !== 'EACCES'));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** The process listening on TCP `port`, on Linux (from /proc/net/tcp{,6} and the processes' open sockets);
 * undefined elsewhere, or when it belongs to another user whose /proc entries we cannot read. */
export async function portHolder(port: number, platform: NodeJS.Platform | 'linux' | 'darwin' | 'win32' = process.platform): Promise<PortHolder | undefined> {
  if (platform !== 'linux') return undefined;
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is ADDR:PORT in hex; state 0A is LISTEN; the inode is the 10th field.
      const local = fields[1];
      if (!local || fields[3] !== '0A') continue;
      if (Number.parseInt(local.split(':')[1] ?? '', 16) === port && fields[9] && fields[9] !== '0') inodes.add(fields[9]);
    }
  }
  if (inodes.size === 0) return undefined;
  const pids = (await readdir('/proc').catch(() => [])).filter((name) => /^\d+$/.test(name));
  for (const pid of pids) {
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => []);
    for (const fd of fds) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode && inodes.has(inode)) {
        const command = await programName(pid);
        return { pid: Number(pid), command };
      }
    }
  }
  return undefined;
}

/** The program a process runs, by name: its executable's file name (`comm` is the thread's name, which
 * Node 24 sets to "MainThread"), or `comm` where the link cannot be read (another user's process). */
async function programName(pid: string): Promise<string> {
  const exe = await readlink(`/proc/${pid}/exe`).catch(() => undefined);
  if (exe) return path.basename(exe.replace(/ \(deleted\)$/, ''));
  return (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '?')).trim();
}
