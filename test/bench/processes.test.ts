// The bench's memory and CPU figures cover a gateway's whole process tree (a supervisor and its
// child under a memory budget, a CLI's forked workers): real processes, read from /proc.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { descendants, rssMb } from '../../bench/lib/processes.ts';

test('a process tree: descendants found by parent pid, RSS summed over them', { skip: !existsSync('/proc/self/stat') && 'no /proc' }, async () => {
  // A parent that starts one child and prints its pid; both idle until killed.
  const script = "const c = require('child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }); console.log(c.pid); setInterval(() => {}, 1000);";
  const parent = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [line] = (await once(parent.stdout, 'data')) as [Buffer];
    const childPid = Number(line.toString().trim());
    assert.deepEqual(descendants(parent.pid!), [childPid]);
    const own = Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${parent.pid}/status`, 'utf8'))![1]) / 1024;
    assert.ok(rssMb(parent.pid!)! > own + 10, 'the child (a whole node process) is counted too');
    process.kill(childPid, 'SIGKILL');
  } finally {
    parent.kill('SIGKILL');
  }
});
