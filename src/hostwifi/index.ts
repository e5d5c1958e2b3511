/** Host Wi-Fi: join a board's SoftAP access point with the operating system's own tool, then restore. */
export type * from './types.js';
export { withJoinedAccessPoint, type JoinOptions, type JoinStep } from './join.js';
export { hostWifi, type HostWifiOptions } from './select.js';
export { waitUntilReachable } from './reach.js';
