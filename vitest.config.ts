import { defineConfig } from 'vitest/config';

// Three projects: `unit` (in-process, fast), `integration` (real OpenSSH sshd on
// 127.0.0.1), `lab` (real Debian nodes in namespaces and qemu VMs; needs root). Unit and
// integration files run first, two at a time (one per core: 228 s → 131 s); then the lab
// files, one at a time: they are CPU-bound as well and timed (two at once took 1.8× as
// long each, and a timing test failed).
export default defineConfig({
  test: {
    maxWorkers: 2,
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], sequence: { groupOrder: 0 } } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'lab',
          include: ['test/lab/**/*.test.ts'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
          testTimeout: 600_000,
          hookTimeout: 900_000,
        },
      },
    ],
  },
});
