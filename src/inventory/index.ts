/** The inventory: YAML file → validated, defaulted ClusterModel. */

export {
  addNodeToInventoryText,
  type NewNode,
  removeNodeFromInventoryText,
  replaceNodeInInventoryText,
  writeInventoryEdit,
} from './edit.js';
export { loadInventory, locateField, parseInventory } from './load.js';
export type * from './model.js';
export type { RawInventory } from './raw.js';
export { DEFAULT_TIMING, type DraftModel, defaultMac, expandPath, finishModel, resolveDraft } from './resolve.js';
export { inventorySchema } from './schema.js';
export { checkSemantics, inventoryWarnings, timingWarnings } from './semantic.js';
export { type FieldPath, formatPath, SourceMap } from './source.js';
