/*
 * oocsi-web.js: the browser client of an OOCSI server's websocket endpoint.
 * Part of pyoocsi (MIT licence). Written from the websocket protocol:
 *
 *   client -> server  first frame: the handle; then "sendjson <to> <json>",
 *                     "subscribe <channel>", "unsubscribe <channel>", "." (pong)
 *   server -> client  {"message" : "welcome NAME"} or {"message" : "ERROR: ..."},
 *                     "ping", and {"recipient","timestamp","sender","data"}
 *
 * The global OOCSI object offers connect, send, subscribe, unsubscribe, call,
 * register, variable, heyOOCSI, isConnected, handle, close, handlers, logger
 * and error. Handlers get the whole message ({data, sender, recipient,
 * timestamp}); a lost connection is retried every second and every
 * subscription is made again. Frames sent while disconnected wait (at most
 * MAX_WAITING of them) and go out after the next welcome.
 */
(function (root) {
  "use strict";

  var RECONNECT_MS = 1000;
  var MAX_WAITING = 1000;

  var url = null;
  var name = null;
  var socket = null;
  var welcomed = false;
  var stopped = true;
  var retry = null;
  var waiting = [];
  // maps with no prototype: a channel called "constructor" is a channel too
  var subscriptions = Object.create(null); // channel -> [handler]
  var calls = Object.create(null); // _MESSAGE_ID -> {done, timer}
  var log = function () {};
  var fail = function (text) {
    if (root.console) root.console.warn("OOCSI: " + text);
  };

  function digits(text) {
    return String(text).replace(/#/g, function () {
      return String(Math.floor(Math.random() * 10));
    });
  }

  function defaultUrl() {
    var loc = root.location;
    var scheme = loc && loc.protocol === "https:" ? "wss://" : "ws://";
    return scheme + (loc ? loc.host : "localhost:9000") + "/ws";
  }

  function normaliseUrl(given) {
    if (!given) return defaultUrl();
    var text = String(given);
    if (!/^wss?:\/\//.test(text)) {
      text = text.replace(/^https?:\/\//, "");
      text = (root.location && root.location.protocol === "https:" ? "wss://" : "ws://") + text;
    }
    if (!/\/ws\/?$/.test(text)) text = text.replace(/\/$/, "") + "/ws";
    return text;
  }

  function raw(frame) {
    if (socket && welcomed && socket.readyState === 1) {
      socket.send(frame);
      return;
    }
    if (waiting.length >= MAX_WAITING) {
      fail("not connected; frame dropped: " + frame.slice(0, 80));
      return;
    }
    waiting.push(frame);
  }

  function open() {
    if (stopped || (socket && socket.readyState <= 1)) return;
    welcomed = false;
    log("connecting to " + url + " as " + name);
    var ws = new root.WebSocket(url);
    socket = ws;
    ws.onopen = function () {
      ws.send(name);
    };
    ws.onmessage = function (event) {
      if (ws === socket) received(String(event.data));
    };
    ws.onclose = function () {
      if (ws !== socket) return;
      socket = null;
      welcomed = false;
      log("disconnected");
      scheduleRetry();
    };
    ws.onerror = function () {
      log("connection error");
    };
  }

  function scheduleRetry() {
    if (stopped || retry !== null) return;
    retry = root.setTimeout(function () {
      retry = null;
      open();
    }, RECONNECT_MS);
  }

  function welcome(handle) {
    name = handle;
    welcomed = true;
    log("connected as " + name);
    Object.keys(subscriptions).forEach(function (channel) {
      if (channel !== name) socket.send("subscribe " + channel);
    });
    var queued = waiting;
    waiting = [];
    queued.forEach(raw);
  }

  function received(text) {
    if (text === "ping") {
      if (socket) socket.send(".");
      return;
    }
    var frame;
    try {
      frame = JSON.parse(text);
    } catch (e) {
      fail("unreadable frame: " + text.slice(0, 80));
      return;
    }
    if (frame === null || typeof frame !== "object") return;
    if (typeof frame.message === "string" && frame.data === undefined) {
      if (frame.message.indexOf("welcome ") === 0) {
        welcome(frame.message.slice(8));
      } else {
        stopped = true; // a refused name will not be accepted by retrying
        fail(frame.message);
      }
      return;
    }
    var data = frame.data || {};
    var id = data._MESSAGE_ID;
    if (id !== undefined && calls[id]) {
      var pending = calls[id];
      delete calls[id];
      root.clearTimeout(pending.timer);
      delete data._MESSAGE_ID;
      guard(pending.done, data);
      return;
    }
    (subscriptions[frame.recipient] || []).forEach(function (handler) {
      guard(handler, frame);
    });
  }

  function guard(handler, value, extra) {
    try {
      handler(value, extra);
    } catch (e) {
      fail("handler failed: " + e);
    }
  }

  function addHandler(channel, handler) {
    var list = subscriptions[channel];
    var first = !list;
    if (first) list = subscriptions[channel] = [];
    if (typeof handler === "function") list.push(handler);
    return first;
  }

  function newId() {
    if (root.crypto && root.crypto.randomUUID) return root.crypto.randomUUID();
    return "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, function (c) {
      var r = Math.floor(Math.random() * 16);
      return (c === "x" ? r : (r % 4) + 8).toString(16);
    });
  }

  var OOCSI = {
    /** Connect to an OOCSI server; the handle's "#" become random digits. */
    connect: function (serverUrl, handle, directHandler) {
      url = normaliseUrl(serverUrl);
      name = digits(handle || "webclient_####");
      stopped = false;
      if (directHandler) addHandler(name, directHandler);
      if (socket) {
        var old = socket;
        socket = null;
        old.close();
      }
      open();
      return OOCSI;
    },

    /** Send data (an object) to a channel or client. */
    send: function (recipient, data) {
      raw("sendjson " + recipient + " " + JSON.stringify(data || {}));
    },

    /** Receive a channel's messages; several handlers per channel are kept. */
    subscribe: function (channel, handler) {
      // while disconnected, the welcome subscribes to every known channel
      if (addHandler(channel, handler) && channel !== name && OOCSI.isConnected()) {
        socket.send("subscribe " + channel);
      }
    },

    /** Stop receiving a channel's messages; its handlers are dropped. */
    unsubscribe: function (channel) {
      delete subscriptions[channel];
      if (OOCSI.isConnected()) socket.send("unsubscribe " + channel);
    },

    /** Ask a registered responder; done(replyData) runs on the first reply. */
    call: function (callName, data, timeoutMs, done) {
      var id = newId();
      var request = {};
      Object.keys(data || {}).forEach(function (key) {
        request[key] = data[key];
      });
      request._MESSAGE_ID = id;
      request._MESSAGE_HANDLE = callName;
      calls[id] = {
        done: done || function () {},
        timer: root.setTimeout(function () {
          delete calls[id];
        }, timeoutMs || 1000)
      };
      OOCSI.send(callName, request);
      return id;
    },

    /** Answer calls to callName: responder(requestData, response) fills response. */
    register: function (callName, responder) {
      OOCSI.subscribe(callName, function (message) {
        var response = { _MESSAGE_ID: message.data._MESSAGE_ID };
        guard(responder, message.data, response);
        OOCSI.send(message.sender, response);
      });
    },

    /**
     * A value shared on a channel under key: v() reads it, v(x) sets and sends
     * it (when it changed, at most once per throttleMs), v.subscribe(fn) tells
     * fn about every new value.
     */
    variable: function (channel, key, throttleMs) {
      var value;
      var lastSent = 0;
      var timer = null;
      var listeners = [];
      var gap = throttleMs === undefined ? 500 : throttleMs;

      function publish() {
        timer = null;
        lastSent = Date.now();
        var data = {};
        data[key] = value;
        OOCSI.send(channel, data);
      }

      function update(next) {
        value = next;
        listeners.forEach(function (listener) {
          guard(listener, value);
        });
      }

      var variable = function (next) {
        if (arguments.length === 0) return value;
        if (next === value) return value;
        update(next);
        var wait = lastSent + gap - Date.now();
        if (wait <= 0) publish();
        else if (timer === null) timer = root.setTimeout(publish, wait);
        return value;
      };
      variable.subscribe = function (listener) {
        listeners.push(listener);
      };
      OOCSI.subscribe(channel, function (message) {
        if (message.data && key in message.data && message.data[key] !== value) {
          update(message.data[key]);
        }
      });
      return variable;
    },

    /** Describe this page as a heyOOCSI device; submit() announces it. */
    heyOOCSI: function (deviceName) {
      var device = { properties: {}, location: {}, components: {} };
      var builder = {};
      var id = deviceName || name;
      function component(kind, extra) {
        return function (componentName, channel, value, icon) {
          var entry = { channel_name: channel, type: kind, icon: icon || null, value: value };
          Object.keys(extra || {}).forEach(function (k) {
            entry[k] = extra[k];
          });
          device.components[componentName] = entry;
          return builder;
        };
      }
      builder.add_property = function (key, value) {
        device.properties[key] = value;
        return builder;
      };
      builder.add_location = function (locationName, x, y) {
        device.location[locationName] = [x, y];
        return builder;
      };
      builder.add_sensor_brick = component("sensor");
      builder.add_number_brick = component("number");
      builder.add_binary_sensor_brick = component("binary_sensor");
      builder.add_switch_brick = component("switch");
      builder.add_light_brick = component("light");
      builder.submit = function () {
        device.properties.device_id = name;
        var data = {};
        data[id] = device;
        OOCSI.send("heyOOCSI!", data);
        return builder;
      };
      builder.sayHi = builder.submit;
      return builder;
    },

    isConnected: function () {
      return welcomed && socket !== null && socket.readyState === 1;
    },

    handle: function () {
      return name;
    },

    /** Close the connection for good (no reconnect). */
    close: function () {
      stopped = true;
      welcomed = false;
      if (retry !== null) root.clearTimeout(retry);
      retry = null;
      if (socket) socket.close();
      socket = null;
    },

    handlers: function () {
      return subscriptions;
    },

    logger: function (fn) {
      log = typeof fn === "function" ? fn : function () {};
    },

    error: function (fn) {
      if (typeof fn === "function") fail = fn;
    }
  };

  root.OOCSI = OOCSI;
  if (typeof module === "object" && module.exports) module.exports = OOCSI;
})(typeof window !== "undefined" ? window : this);
