/*
 * The chat widget of the OOCSI pages: a floating button that opens a small chat
 * on one channel, in the reference web server's protocol.
 *
 * A chat message is {"message", "username", "timestamp"}; "<JOIN>" and
 * "<LEAVE>" as the message say that someone opened the chat or left the page.
 * Anything else on the channel is shown as collapsed JSON. The name and the
 * channel are kept in the cookies oc_username (30 days) and oc_channel (7
 * days). The widget uses the page's OOCSI connection, and connects as
 * ChatClient_#### only when the page has none; nothing connects before the
 * chat is opened. The sender of a message gets no echo from OOCSI, so the
 * widget shows its own messages itself.
 */
(function (global) {
  "use strict";
  var doc = global.document;
  var JOIN = "<JOIN>", LEAVE = "<LEAVE>";
  var state = { channel: null, username: null, unread: 0, open: false };
  var parts = {};

  function cookie(name) {
    var found = doc.cookie.split("; ").filter(function (c) {
      return c.indexOf(name + "=") === 0;
    })[0];
    if (!found) return "";
    try {
      return decodeURIComponent(found.slice(name.length + 1));
    } catch (e) {  // a cookie someone else wrote badly: start afresh
      return "";
    }
  }

  function keep(name, value, days) {
    doc.cookie = name + "=" + encodeURIComponent(value) + "; max-age=" +
      days * 86400 + "; path=/; SameSite=Lax";
  }

  function el(tag, text, className) {
    var node = doc.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function line(node) {
    parts.log.appendChild(node);
    parts.log.scrollTop = parts.log.scrollHeight;
    if (!state.open) {
      state.unread += 1;
      parts.badge.textContent = String(state.unread);
      parts.badge.hidden = false;
    }
  }

  function show(sender, data) {
    if (typeof data.message === "string" && data.username !== undefined) {
      var who = String(data.username);
      if (data.message === JOIN) line(el("div", who + " joined", "oc-note"));
      else if (data.message === LEAVE) line(el("div", who + " left", "oc-note"));
      else line(el("div", who + ": " + data.message, "oc-text"));
      return;
    }
    var other = el("details", undefined, "oc-json");
    other.appendChild(el("summary", sender));
    other.appendChild(el("pre", JSON.stringify(data, null, 2)));
    line(other);
  }

  function say(text) {
    var data = { message: text, username: state.username, timestamp: Date.now() };
    global.OOCSI.send(state.channel, data);
    if (text !== JOIN && text !== LEAVE) show(state.username, data);
  }

  function withClient(then) {
    if (global.OOCSI) { then(); return; }
    var script = doc.createElement("script");
    script.src = "/assets/js/oocsi-web.js";
    script.onload = then;
    doc.head.appendChild(script);
  }

  function join() {
    var username = parts.name.value.trim(), channel = parts.channel.value.trim();
    if (!username || !channel || /\s/.test(channel)) return;
    keep("oc_username", username, 30);
    keep("oc_channel", channel, 7);
    withClient(function () {
      var OOCSI = global.OOCSI;
      if (!OOCSI.isConnected() && !OOCSI.handle()) {
        OOCSI.connect(null, "ChatClient_####");
      }
      state.channel = channel;
      state.username = username;
      OOCSI.subscribe(channel, function (message) { show(message.sender, message.data); });
      say(JOIN);
      parts.form.hidden = true;
      parts.chat.hidden = false;
      parts.title.textContent = "#" + channel + " as " + username;
    });
  }

  function toggle() {
    state.open = !state.open;
    parts.panel.hidden = !state.open;
    if (state.open) {
      state.unread = 0;
      parts.badge.hidden = true;
    }
  }

  function build() {
    var style = el("style");
    style.textContent =
      ".oc-chat{position:fixed;right:1rem;bottom:1rem;z-index:1000;font:14px sans-serif}" +
      ".oc-button{width:3rem;height:3rem;border-radius:50%;border:0;background:#0b6bcb;" +
      "color:#fff;font-size:1.3rem;cursor:pointer;position:relative}" +
      ".oc-badge{position:absolute;top:-.3rem;right:-.3rem;background:#d33;color:#fff;" +
      "border-radius:1rem;padding:0 .4rem;font-size:.75rem}" +
      ".oc-panel{position:absolute;right:0;bottom:3.6rem;width:19rem;background:#fff;" +
      "border-radius:8px;box-shadow:0 2px 10px rgba(0,0,0,.25);padding:.6rem}" +
      ".oc-log{height:14rem;overflow-y:auto;margin:.4rem 0;word-wrap:break-word}" +
      ".oc-note{color:#777;font-style:italic}.oc-json pre{margin:0;font-size:12px}" +
      ".oc-panel input{width:100%;box-sizing:border-box;margin:.2rem 0}";
    doc.head.appendChild(style);
    var box = el("div", undefined, "oc-chat");
    var button = el("button", "\uD83D\uDCAC", "oc-button");
    button.title = "chat";
    var badge = el("span", "", "oc-badge");
    badge.hidden = true;
    button.appendChild(badge);
    var panel = el("div", undefined, "oc-panel");
    panel.hidden = true;
    var title = el("strong", "Chat");
    var form = el("div");
    var name = el("input");
    name.placeholder = "your name";
    name.value = cookie("oc_username");
    var channel = el("input");
    channel.placeholder = "channel";
    channel.value = cookie("oc_channel") || "chat";
    var go = el("button", "Join");
    form.appendChild(name);
    form.appendChild(channel);
    form.appendChild(go);
    var chat = el("div");
    chat.hidden = true;
    var log = el("div", undefined, "oc-log");
    var text = el("input");
    text.placeholder = "say something, Enter sends";
    chat.appendChild(log);
    chat.appendChild(text);
    panel.appendChild(title);
    panel.appendChild(form);
    panel.appendChild(chat);
    box.appendChild(panel);
    box.appendChild(button);
    doc.body.appendChild(box);
    parts = { panel: panel, badge: badge, form: form, chat: chat, log: log,
              name: name, channel: channel, title: title };
    button.addEventListener("click", toggle);
    go.addEventListener("click", join);
    text.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && text.value.trim() && state.channel) {
        say(text.value.trim());
        text.value = "";
      }
    });
    global.addEventListener("pagehide", function () {
      if (state.channel && global.OOCSI && global.OOCSI.isConnected()) say(LEAVE);
    });
  }

  if (doc.readyState === "loading") doc.addEventListener("DOMContentLoaded", build);
  else build();
})(this);
