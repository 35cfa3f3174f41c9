// saker generate: safe actions that trigger each built-in rule, to check a deployment end to end.
export { runAction, selectActions, ACTIONS } from './actions.js';
export { BUSYBOX, populateBusyboxRoot } from './busybox-root.js';
