// The SignalR connection to /hubs/board. It never gives up: the automatic reconnect retries forever with a capped
// backoff, the first start() is retried the same way, and if the connection closes anyway the loop starts again.
// The one exception: when the server says the wall's credential is no good (401), the connection stops and
// onUnauthorized is told, so that the wall can pair again; resume() starts it again afterwards.

const OFFLINE_AFTER_MS = 10_000;
const CALL_TIMEOUT_MS = 15_000;

/** 0.5 s, 1 s, 2 s … capped at 30 s, plus up to a second of jitter so that many walls do not retry in step. */
export function retryDelay(previousRetryCount) {
  const base = Math.min(30_000, 500 * 2 ** Math.min(previousRetryCount, 16));
  return base + Math.floor(Math.random() * 1000);
}

/** True when a SignalR error says the server refused the credential. */
export function isUnauthorized(error) {
  if (!error) return false;
  if (error.statusCode === 401) return true;
  return /\b401\b|Unauthorized/.test(String(error.message ?? error));
}

/** Rejects when a promise has not settled within ms (the one-shot timer is cleared either way). */
export function withTimeout(promise, ms = CALL_TIMEOUT_MS) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export class LiveConnection {
  /**
   * @param {object} options
   * @param {string} options.url
   * @param {{board: Function, activity: Function, heartbeat: Function}} options.handlers
   * @param {() => void} options.onConnected  after every connect and reconnect
   * @param {() => (string|null|undefined)} [options.accessTokenFactory]  the bearer token, read at every (re)connect
   * @param {() => void} [options.onUnauthorized]  the hub refused the credential (401); the connection has stopped
   */
  constructor({ url, handlers, onConnected, accessTokenFactory, onUnauthorized }) {
    this.onConnected = onConnected;
    this.onUnauthorized = onUnauthorized;
    this.stopped = false;
    this.connected = false;
    this.everConnected = false;
    /** When the connection was lost (or, before the first connect, when the wall started trying). */
    this.lostAt = Date.now();
    this.connectedAt = 0;
    this.attempt = 0;
    this.timer = null;
    this.starting = false;

    const signalR = globalThis.signalR;
    if (!signalR) {
      // signalr.min.js did not load: no live channel; wall.js polls GET /api/board instead.
      this.connection = null;
      return;
    }
    this.Disconnected = signalR.HubConnectionState.Disconnected;
    this.connection = new signalR.HubConnectionBuilder()
      .withUrl(url, accessTokenFactory ? { accessTokenFactory: () => accessTokenFactory() || '' } : {})
      .withAutomaticReconnect({
        nextRetryDelayInMilliseconds: (context) => {
          if (this.stopped) return null;
          if (isUnauthorized(context.retryReason)) {
            setTimeout(() => this.refused(), 0); // not from inside the client's own retry loop
            return null;
          }
          return retryDelay(context.previousRetryCount);
        },
      })
      .configureLogging(signalR.LogLevel.Warning)
      .build();

    for (const [name, handler] of Object.entries(handlers)) {
      this.connection.on(name, handler);
    }
    this.connection.onreconnecting(() => this.lost());
    this.connection.onreconnected(() => this.established());
    this.connection.onclose(() => {
      this.lost();
      if (this.starting || this.stopped) return; // a failed start() reports through its own promise
      if (Date.now() - this.connectedAt > 30_000) this.attempt = 0;
      this.schedule(retryDelay(this.attempt++));
    });
  }

  start() {
    this.stopped = false;
    this.schedule(0);
  }

  /** Starts again after stop() (e.g. with a new device token). */
  resume() {
    this.attempt = 0;
    this.start();
  }

  /** Stops connecting until resume(). */
  stop() {
    this.stopped = true;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.lost();
    if (this.connection && this.connection.state !== this.Disconnected) {
      this.connection.stop().catch(() => {});
    }
  }

  /** The server refused the credential: stop, and tell the wall once. */
  refused() {
    if (this.stopped) return;
    this.stop();
    this.onUnauthorized?.();
  }

  schedule(delay) {
    if (!this.connection || this.timer !== null || this.starting || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.tryStart();
    }, delay);
  }

  async tryStart() {
    if (this.connection.state !== this.Disconnected) {
      // Connected or reconnecting by itself: nothing to do. Still stopping: look again shortly.
      if (this.connection.state === globalThis.signalR.HubConnectionState.Disconnecting) this.schedule(1000);
      return;
    }
    this.starting = true;
    let ok = false;
    let refused = false;
    try {
      await this.connection.start();
      ok = true;
    } catch (error) {
      // the hub is unreachable for now (try again later), or it refused the credential
      refused = isUnauthorized(error);
    }
    this.starting = false;
    if (refused) {
      this.refused();
    } else if (this.stopped) {
      if (ok) this.connection.stop().catch(() => {});
    } else if (ok) {
      this.attempt = 0;
      this.established();
    } else {
      this.schedule(retryDelay(this.attempt++));
    }
  }

  established() {
    this.connected = true;
    this.everConnected = true;
    this.lostAt = null;
    this.connectedAt = Date.now();
    this.onConnected();
  }

  lost() {
    this.connected = false;
    if (this.lostAt === null) this.lostAt = Date.now();
  }

  /** Asks the hub for the current snapshot (rejects when not connected or when the hub does not answer in time). */
  getSnapshot() {
    if (!this.connection || !this.connected) return Promise.reject(new Error('not connected'));
    return withTimeout(this.connection.invoke('GetSnapshot'));
  }

  /** What the banner shows: live, connecting, reconnecting, or offline (lost for more than ~10 s). */
  display(now) {
    if (this.connected) return { state: 'live', since: null };
    const since = this.lostAt ?? now;
    if (now - since > OFFLINE_AFTER_MS || !this.connection) return { state: 'offline', since };
    return { state: this.everConnected ? 'reconnecting' : 'connecting', since };
  }
}
