// Live updates: GraphQL subscriptions over one websocket on /graphql, in the
// graphql-transport-ws protocol (connection_init with the token, subscribe, next, error,
// complete, ping/pong). Reconnects with backoff and subscribes again; a refused token
// (close code 4403) goes to `onUnauthorized`.

const PROTOCOL = "graphql-transport-ws";
const FIRST_DELAY = 1000; // ms before the first reconnection attempt, doubled up to MAX
const MAX_DELAY = 30000;

export class Live {
  constructor({ getToken, onState = () => {}, onUnauthorized = () => {}, onReconnect = () => {} }) {
    Object.assign(this, { getToken, onState, onUnauthorized, onReconnect });
    this.subs = new Map(); // id -> { payload, next, error }
    this.nextId = 1;
    this.socket = null;
    this.acked = false;
    this.delay = FIRST_DELAY;
    this.timer = null;
    this.everConnected = false;
    this.stopped = false;
  }

  // Starts a subscription; returns a function that ends it.
  subscribe(query, variables, { next, error = () => {} }) {
    const id = String(this.nextId++);
    this.subs.set(id, { payload: { query, variables }, next, error });
    if (this.acked) this.send({ id, type: "subscribe", payload: this.subs.get(id).payload });
    else this.connect();
    return () => {
      if (this.subs.delete(id) && this.acked) this.send({ id, type: "complete" });
    };
  }

  close() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.subs.clear();
    if (this.socket) this.socket.close(1000, "bye");
    this.socket = null;
    this.state("offline");
  }

  state(name) {
    this.current = name;
    this.onState(name);
  }

  send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(message));
    }
  }

  connect() {
    if (this.socket || this.stopped) return;
    clearTimeout(this.timer);
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(`${scheme}//${location.host}/graphql`, PROTOCOL);
    this.socket = socket;
    this.acked = false;
    this.state(this.everConnected ? "reconnecting" : "connecting");
    socket.onopen = () => {
      socket.send(JSON.stringify({
        type: "connection_init",
        payload: { Authorization: `Bearer ${this.getToken() || ""}` },
      }));
    };
    socket.onmessage = (event) => this.receive(JSON.parse(event.data));
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.acked = false;
      if (this.stopped) return;
      if (event.code === 4403 || event.code === 4401) {
        this.state("offline");
        this.onUnauthorized();
        return;
      }
      this.state("reconnecting");
      this.timer = setTimeout(() => this.connect(), this.delay);
      this.delay = Math.min(this.delay * 2, MAX_DELAY);
    };
  }

  receive(message) {
    const sub = message.id !== undefined ? this.subs.get(message.id) : undefined;
    switch (message.type) {
      case "connection_ack": {
        this.acked = true;
        this.delay = FIRST_DELAY;
        const again = this.everConnected;
        this.everConnected = true;
        this.state("live");
        for (const [id, s] of this.subs) this.send({ id, type: "subscribe", payload: s.payload });
        if (again) this.onReconnect();
        break;
      }
      case "ping":
        this.send({ type: "pong" });
        break;
      case "next":
        if (sub) {
          if (message.payload.errors && !message.payload.data) {
            sub.error(message.payload.errors);
          } else {
            sub.next(message.payload.data);
          }
        }
        break;
      case "error": // the operation was refused (e.g. a field this server does not have)
        if (sub) {
          this.subs.delete(message.id);
          sub.error(message.payload);
        }
        break;
      case "complete":
        this.subs.delete(message.id);
        break;
      default:
        break;
    }
  }
}
