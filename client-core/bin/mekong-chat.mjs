#!/usr/bin/env node
// mekong-chat: command-line Mekong client (runs the TypeScript sources through tsx).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
