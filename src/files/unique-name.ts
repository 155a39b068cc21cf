/** Names that no other file operation of ours picks: for temp files beside a config file and for the token
 * that marks a lock as ours. They must be unique, not secret: every temp file is created with `wx`
 * (O_EXCL), so a name someone guessed makes the create fail instead of writing through their file, and a
 * lock's token is only compared with the one its holder wrote.
 *
 * Not node:crypto: loading it costs about 7 ms on Node 20, and a run that makes no HTTPS request needs it
 * for nothing else. */

let issued = 0;

/** Lowercase letters, digits and `-`: unique among the live processes of a host (the pid and a counter), and,
 * by the time and a random part, across the hosts that share a home folder over the network. */
export function uniqueSuffix(): string {
  issued += 1;
  const random = Math.floor(Math.random() * 36 ** 6);
  return [process.pid, issued, Date.now(), random].map((part) => part.toString(36)).join('-');
}
