#!/usr/bin/env node
// docrest is TypeScript run directly by Node (>= 22.18 strips types); this shim starts the CLI.
await import('../src/cli.ts');
