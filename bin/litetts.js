#!/usr/bin/env -S node --max-semi-space-size=2
// The small young generation (V8's default allows 16 MB per semi-space) keeps the
// server's resident memory down; its garbage is short-lived and small.
import { main } from '../dist/cli.js';

await main(process.argv);
