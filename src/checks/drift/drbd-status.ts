/** Moved to src/facts/drbd-status.ts (facts are the layer that parses node state). */
export * from '../../facts/drbd-status.js';
