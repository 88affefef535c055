/** The inventory: YAML file → validated, defaulted ClusterModel. */
export type * from './model.js';
export { loadInventory, locateField, parseInventory } from './load.js';
export { inventorySchema } from './schema.js';
export { checkSemantics, inventoryWarnings, timingWarnings } from './semantic.js';
export { DEFAULT_TIMING, defaultMac, expandPath, finishModel, resolveDraft, type DraftModel } from './resolve.js';
export { addNodeToInventoryText, removeNodeFromInventoryText, replaceNodeInInventoryText, type NewNode } from './edit.js';
export { formatPath, SourceMap, type FieldPath } from './source.js';
export type { RawInventory } from './raw.js';
