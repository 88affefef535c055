// Writes dist/src/render/precompiled.cjs: the package's templates precompiled (run after tsc;
// `npm run build` does). render.ts uses an entry only when the template's source is the same.
import { writeFileSync } from 'node:fs';
import { precompiledSource, TEMPLATES_DIR } from '../dist/src/render/render.js';
writeFileSync(new URL('../dist/src/render/precompiled.cjs', import.meta.url), precompiledSource(TEMPLATES_DIR));
