export { definePlaybook, isPlaybook, type Playbook, type PlaybookContext, type Handler } from './playbook.js';
export { runPlaybook, type RunOptions } from './run.js';
export { HostContext, type TemplateOptions } from './host.js';
export { HostGroup } from './group.js';
export { Connector, sshConnect, type ConnectFn } from './connector.js';
export type { RunEvent, RunSummary, HostSummary, EventSink } from './events.js';
export { mapBounded } from './pool.js';
export { cibBeforePath, type GenerationRef } from './generation.js';
