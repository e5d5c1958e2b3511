/**
 * The host computer's own Wi-Fi, driven through the operating system's tool (nmcli, networksetup, netsh), so
 * that a run can join a board's SoftAP access point, provision the board, and put the computer back on the
 * network it was on. One implementation per tool behind this interface; select.ts picks by platform.
 */

/** The computer's Wi-Fi as it was before a join: what restore() brings back. */
export interface HostConnection {
  /** The Wi-Fi interface (wlan0, en0, "Wi-Fi"). */
  iface: string;
  /** The network's name, when the tool reports it. */
  ssid?: string;
  /** The tool's saved profile for it (nmcli UUID, netsh profile name); absent on macOS (it joins by SSID). */
  connection?: string;
}

export interface AccessPointToJoin {
  ssid: string;
  /** Absent or empty: an open access point. Never put in an error message or a log line. */
  passphrase?: string;
}

/** How one of the Wi-Fi tool implementations is set up (the same for nmcli, networksetup and netsh). */
export interface WifiToolOptions {
  /** Program to run (default: the tool's name, looked up on env.PATH). */
  file?: string;
  /** The Wi-Fi interface; default: the first one the tool lists. */
  iface?: string;
  /** The tool's environment (PATH decides which program runs); default: this process's. */
  env?: NodeJS.ProcessEnv;
}

export interface ToolCallOptions {
  signal: AbortSignal;
  /** Deadline of the whole call, ms. */
  timeoutMs: number;
}

/** What a join left behind for restore() to tidy up (a profile the join created). */
export interface Joined {
  iface: string;
  /** A saved profile the join created, deleted again on restore. */
  created?: string;
}

export interface ScannedAccessPoint {
  ssid: string;
  /** 0–100, as the tool reports it. */
  signal?: number;
}

export interface HostWifi {
  /** The tool's name, for messages ("nmcli"). */
  readonly tool: string;
  /** Joins on the same key are serialized: one interface can be on one access point at a time. */
  readonly key: string;
  /** The Wi-Fi connection now; `connection`/`ssid` absent when the interface is not connected. */
  current(o: ToolCallOptions): Promise<HostConnection>;
  join(ap: AccessPointToJoin, o: ToolCallOptions): Promise<Joined>;
  /** Back to `previous` (or disconnected, when it had no connection), then removes what the join created. */
  restore(previous: HostConnection, joined: Joined | undefined, o: ToolCallOptions): Promise<void>;
  scan(o: ToolCallOptions): Promise<ScannedAccessPoint[]>;
}
