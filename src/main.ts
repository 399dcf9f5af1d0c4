#!/usr/bin/env node
/** Process entry: `audex <command>` (see `src/cli/cli.ts`). */
import { runCli } from './cli/cli.js';

await runCli(process.argv);
