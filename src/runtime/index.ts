export { type ConnectFn, Connector, sshConnect } from './connector.js';
export type { EventSink, HostSummary, RunEvent, RunSummary } from './events.js';
export { cibBeforePath, type GenerationRef } from './generation.js';
export { HostGroup } from './group.js';
export { HostContext, type TemplateOptions } from './host.js';
export { definePlaybook, type Handler, isPlaybook, type Playbook, type PlaybookContext } from './playbook.js';
export { mapBounded } from './pool.js';
export { type RunOptions, runPlaybook } from './run.js';
