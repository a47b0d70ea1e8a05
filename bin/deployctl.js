#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so `npx deployctl` works from a clone without a build step.
require('tsx/cjs');
require('./deployctl.ts');
