import { defineConfig } from 'vitest/config';

// Three projects: `unit` (in-process, fast), `integration` (real OpenSSH sshd on
// 127.0.0.1), `lab` (real Debian nodes in namespaces; needs root). Lab files share one
// machine-wide lab, so they run one file at a time.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'lab',
          include: ['test/lab/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 900_000,
        },
      },
    ],
  },
});
