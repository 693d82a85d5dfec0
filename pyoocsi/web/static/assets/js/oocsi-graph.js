/*
 * A live network graph on a canvas, laid out by its own small force model.
 *
 * Nodes are the server's clients and channels. Each OOCSI_events event
 * ({"PUB", "CHANNEL", "SUB"}) lights the links sender -> channel -> each
 * receiver, or sender -> receiver for a direct message, and sends a dot along
 * them. A link fades out LINK_LIFE ms after its last message. A node stays
 * while the server lists it (see names()) or a live link holds it; the meta
 * channels (OOCSI_*) are left out. The layout costs n² per frame, so it is
 * meant for a classroom (tens to a few hundred names), not for thousands.
 */
(function (global) {
  "use strict";

  var LINK_LIFE = 30000;   // ms a link stays after its last message
  var DOT_TIME = 700;      // ms a dot takes along one link
  var SPRING = 110;        // px a link likes to be
  var COLORS = { client: "#0b6bcb", channel: "#e07b00", generator: "#8a93a6" };

  function hidden(name) {
    return !name || name === "-" || name.indexOf("OOCSI_") === 0;
  }

  function kindOf(name, listedAs) {
    // the reference marks generated traffic by "tool" and "gen" in the name
    if (/tool/i.test(name) && /gen/i.test(name)) return "generator";
    return listedAs;
  }

  function NetworkGraph(canvas) {
    this.canvas = canvas;
    this.byName = Object.create(null);  // no prototype: any name is a name
    this.linkMap = Object.create(null);
    this.dots = [];
    this.listed = Object.create(null);
    var self = this;
    function frame() {
      self.step();
      self.draw();
      global.requestAnimationFrame(frame);
    }
    global.requestAnimationFrame(frame);
  }

  NetworkGraph.prototype.node = function (name, kind) {
    var node = this.byName[name];
    if (node) {
      if (kind === "channel" && node.kind === "client") node.kind = "channel";
      return node;
    }
    var w = this.canvas.clientWidth || 600, h = this.canvas.clientHeight || 400;
    var angle = Math.random() * 2 * Math.PI, r = 40 + Math.random() * 60;
    node = {
      name: name, kind: kindOf(name, kind),
      x: w / 2 + r * Math.cos(angle), y: h / 2 + r * Math.sin(angle), vx: 0, vy: 0
    };
    this.byName[name] = node;
    return node;
  };

  /* The server's current clients and channels: add new ones, drop the gone. */
  NetworkGraph.prototype.names = function (clients, channels) {
    var self = this;
    this.listed = Object.create(null);
    function list(kind) {
      return function (name) {
        if (hidden(name)) return;
        self.listed[name] = 1;
        self.node(name, kind);
      };
    }
    clients.forEach(list("client"));
    channels.forEach(list("channel"));
    this.prune(Date.now());
  };

  NetworkGraph.prototype.link = function (from, to, now, delay) {
    if (hidden(from) || hidden(to) || from === to) return;
    var key = from + ">" + to;
    var link = this.linkMap[key];
    if (!link) {
      link = this.linkMap[key] = { source: from, target: to, last: now, count: 0 };
    }
    link.last = now;
    link.count += 1;
    this.dots.push({ link: link, start: now + delay });
  };

  /* One OOCSI_events event. */
  NetworkGraph.prototype.event = function (e) {
    var now = Date.now(), self = this;
    var receivers = Array.isArray(e.SUB) ? e.SUB : [];
    if (hidden(e.PUB) || (e.CHANNEL && hidden(e.CHANNEL))) return;
    this.node(e.PUB, "client");
    if (e.CHANNEL) {
      this.node(e.CHANNEL, "channel");
      this.link(e.PUB, e.CHANNEL, now, 0);
      receivers.forEach(function (to) {
        if (hidden(to)) return;
        self.node(to, "client");
        self.link(e.CHANNEL, to, now, DOT_TIME);
      });
    } else {
      receivers.forEach(function (to) {
        if (hidden(to)) return;
        self.node(to, "client");
        self.link(e.PUB, to, now, 0);
      });
    }
  };

  NetworkGraph.prototype.prune = function (now) {
    var held = Object.create(null), key;
    for (key in this.linkMap) {
      var link = this.linkMap[key];
      if (now - link.last > LINK_LIFE) {
        delete this.linkMap[key];
      } else {
        held[link.source] = held[link.target] = 1;
      }
    }
    for (key in this.byName) {
      if (!this.listed[key] && !held[key]) delete this.byName[key];
    }
    this.dots = this.dots.filter(function (d) { return now - d.start < DOT_TIME; });
  };

  /* Forget every node, link and dot (a page changing what it shows). */
  NetworkGraph.prototype.clear = function () {
    this.byName = Object.create(null);  // no prototype: any name is a name
    this.linkMap = Object.create(null);
    this.dots = [];
    this.listed = Object.create(null);
  };

  /* The live links as "from>to", sorted: what the tests read. */
  NetworkGraph.prototype.links = function () {
    return Object.keys(this.linkMap).sort();
  };

  /* The nodes as "name:kind", sorted. */
  NetworkGraph.prototype.nodes = function () {
    var self = this;
    return Object.keys(this.byName).sort().map(function (n) {
      return n + ":" + self.byName[n].kind;
    });
  };

  NetworkGraph.prototype.step = function () {
    var byName = this.byName;
    var nodes = Object.keys(byName).map(function (n) { return byName[n]; });
    var w = this.canvas.clientWidth, h = this.canvas.clientHeight;
    var i, j, a, b, dx, dy, d2, d, f;
    for (i = 0; i < nodes.length; i++) {
      a = nodes[i];
      // a pull to the middle keeps loose nodes in view
      a.vx += (w / 2 - a.x) * 0.002;
      a.vy += (h / 2 - a.y) * 0.002;
      for (j = i + 1; j < nodes.length; j++) {
        b = nodes[j];
        dx = a.x - b.x; dy = a.y - b.y;
        d2 = Math.max(dx * dx + dy * dy, 25);
        f = 2500 / d2;
        d = Math.sqrt(d2);
        a.vx += f * dx / d; a.vy += f * dy / d;
        b.vx -= f * dx / d; b.vy -= f * dy / d;
      }
    }
    for (var key in this.linkMap) {
      a = this.byName[this.linkMap[key].source];
      b = this.byName[this.linkMap[key].target];
      if (!a || !b) continue;
      dx = b.x - a.x; dy = b.y - a.y;
      d = Math.max(Math.sqrt(dx * dx + dy * dy), 1);
      f = (d - SPRING) * 0.01;
      a.vx += f * dx / d; a.vy += f * dy / d;
      b.vx -= f * dx / d; b.vy -= f * dy / d;
    }
    nodes.forEach(function (n) {
      n.vx = Math.max(-8, Math.min(8, n.vx * 0.82));
      n.vy = Math.max(-8, Math.min(8, n.vy * 0.82));
      n.x = Math.max(12, Math.min(w - 12, n.x + n.vx));
      n.y = Math.max(12, Math.min(h - 12, n.y + n.vy));
    });
  };

  NetworkGraph.prototype.draw = function () {
    var canvas = this.canvas, now = Date.now();
    var w = canvas.clientWidth, h = canvas.clientHeight;
    var ratio = global.devicePixelRatio || 1;
    var pw = Math.round(w * ratio), ph = Math.round(h * ratio);
    if (canvas.width !== pw || canvas.height !== ph) {
      canvas.width = pw;
      canvas.height = ph;
    }
    var g = canvas.getContext("2d");
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, w, h);
    this.prune(now);
    var key, link, a, b;
    for (key in this.linkMap) {
      link = this.linkMap[key];
      a = this.byName[link.source]; b = this.byName[link.target];
      if (!a || !b) continue;
      g.globalAlpha = Math.max(0.08, 1 - (now - link.last) / LINK_LIFE);
      g.strokeStyle = "#7d8799";
      g.lineWidth = Math.min(4, 1 + Math.log(link.count) / 2);
      g.beginPath(); g.moveTo(a.x, a.y); g.lineTo(b.x, b.y); g.stroke();
    }
    g.globalAlpha = 1;
    g.fillStyle = "#d1242f";
    this.dots.forEach(function (dot) {
      var t = (now - dot.start) / DOT_TIME;
      a = this.byName[dot.link.source]; b = this.byName[dot.link.target];
      if (t < 0 || !a || !b) return;
      g.beginPath();
      g.arc(a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t, 3.5, 0, 2 * Math.PI);
      g.fill();
    }, this);
    g.font = "12px system-ui";
    for (key in this.byName) {
      var n = this.byName[key];
      g.fillStyle = COLORS[n.kind];
      g.beginPath();
      if (n.kind === "channel") {
        g.rect(n.x - 6, n.y - 6, 12, 12);
      } else {
        g.arc(n.x, n.y, 6, 0, 2 * Math.PI);
      }
      g.fill();
      g.fillStyle = "#1d2330";
      g.fillText(n.name, n.x + 9, n.y + 4);
    }
  };

  global.NetworkGraph = NetworkGraph;
})(this);
