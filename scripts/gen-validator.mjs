// Rewrites src/inventory/schema-validator.generated.ts from the schema (run after tsc).
import { writeFileSync } from 'node:fs';
import { validatorSource } from '../dist/src/inventory/validator-source.js';
writeFileSync(new URL('../src/inventory/schema-validator.generated.ts', import.meta.url), validatorSource());
console.log('wrote src/inventory/schema-validator.generated.ts');
