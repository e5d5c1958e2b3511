/**
 * `esp-prov/testing`: the device simulator, for your own tests and CI. A SimDevice behaves like an ESP32
 * running ESP-IDF's provisioning manager; expose it over loopback HTTP, in memory, as a BLE peripheral (fake
 * noble bindings), or as a UART console.
 *
 * Experimental: `createFakeNoble` and `fakeNobleLoader` fake the host's Bluetooth stack below noble, not the
 * device, and import noble's internal modules (lib/noble.js, lib/hci-socket/gatt.js). They are tied to the
 * @stoprocent/noble minor version package.json pins (~2.8) and may change or break in any release of ours or
 * theirs; everything else here is stable.
 */
export { SimDevice, type SimRequestEvent } from './sim/device.js';
export type { SimDeviceOptions, SimSecurity, SimEndpoint } from './sim/options.js';
/** `SimClock` is the former name of `Clock` (one clock serves the client and the simulator). */
export { ManualClock, realClock, type Clock, type Clock as SimClock } from './timers.js';
export { loadAccessPoints, type SimAccessPoint } from './sim/access-points.js';
export { DEFAULT_ACCESS_POINTS } from './sim/default-aps.js';
export { loadThreadNetworks, DEFAULT_THREAD_NETWORKS, type SimThreadNetwork } from './sim/thread-networks.js';
export { FAULT_KINDS, FAULT_MATRIX, FAULT_PHASES, parseFaultSpec, type FaultSpec } from './sim/faults.js';
export { DeviceFailure, type ProtocommDevice } from './protocol/device.js';
export { startHttpServer, type HttpServerHandle, type HttpServerOptions } from './sim/http-server.js';
export { serveConsole, type ConsoleServer } from './sim/console-server.js';
export { serveConsoleOnPty, type ConsolePty } from './sim/console-pty.js';
export { BleGattModel } from './sim/ble-gatt-model.js';
// Experimental (see above): host-side BLE fakes over noble internals, tied to @stoprocent/noble ~2.8.
export { createFakeNoble, fakeNobleLoader } from './testing/ble-fake-bindings.js';
export { MemoryTransport, type MemoryTransportOptions } from './transport/memory.js';
