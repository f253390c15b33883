/** Jest: ts-jest in transpile-only mode (type checking is `npm run typecheck`). */
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.[tj]sx?$': [
      'ts-jest',
      {
        tsconfig: {
          module: 'commonjs',
          target: 'es2022',
          esModuleInterop: true,
          isolatedModules: true,
          strict: true,
          skipLibCheck: true,
          resolveJsonModule: true,
          allowJs: true,
        },
      },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  testMatch: ['**/?(*.)test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/scratch/', '/data/'],
  testTimeout: 30000,
  // Two worker processes even on two cores (jest would otherwise run every suite in one process), each
  // replaced once it holds more than this after a suite: the suite's memory never accumulates in one heap.
  maxWorkers: 2,
  workerIdleMemoryLimit: '1536MB',
};
