#!/usr/bin/env node
// The `clef` command of the npm package (`npm i -g clef-ts`, `npx clef` in a checkout): Node runs the TypeScript
// sources through tsx's loader, registered in this process, so signals, stdin and the exit status are clef's own
// (no wrapper process in between). The single binary (`npm run build` → dist/clef) needs none of this.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
