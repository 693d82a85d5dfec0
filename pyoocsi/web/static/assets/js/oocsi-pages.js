/*
 * Helpers shared by the pyoocsi pages, with no dependencies: a line chart and
 * a block sparkline on a canvas, a dotted-path selector that reads a value out
 * of message data without evaluating any code, and small page chores.
 *
 * Selector rules: "a.b.0" reads data.a.b[0]. Each part names an own key of an
 * object, or (digits only) an index of an array; anything else finds nothing.
 * A leading "data." is dropped when the data has no key "data", so selectors
 * written as in the reference dashboard ("data.temp") read the same value.
 */
(function (global) {
  "use strict";

  var has = Object.prototype.hasOwnProperty;

  /* The parts of a selector, or null when it is not a dotted path. */
  function parsePath(text) {
    var trimmed = String(text || "").trim();
    if (!trimmed) return null;
    var parts = trimmed.split(".");
    for (var i = 0; i < parts.length; i++) {
      if (!/^[^\s\[\]()]+$/.test(parts[i])) return null;
    }
    return parts;
  }

  /* {found, value}: the value at `parts` inside `data`. */
  function select(data, parts) {
    if (parts.length > 1 && parts[0] === "data" && !has.call(data, "data")) {
      parts = parts.slice(1);
    }
    var value = data;
    for (var i = 0; i < parts.length; i++) {
      var part = parts[i];
      if (Array.isArray(value) && /^\d+$/.test(part) && Number(part) < value.length) {
        value = value[Number(part)];
      } else if (value !== null && typeof value === "object" && !Array.isArray(value) &&
                 has.call(value, part)) {
        value = value[part];
      } else {
        return { found: false, value: undefined };
      }
    }
    return { found: true, value: value };
  }

  /* A number for charting: numbers, and strings that are a whole number text. */
  function numeric(value) {
    if (typeof value === "number" && isFinite(value)) return value;
    if (typeof value === "string" && value.trim() !== "" && isFinite(Number(value))) {
      return Number(value);
    }
    return null;
  }

  /* How a value reads in a tile or next to a chart. */
  function label(value, digits) {
    var n = numeric(value);
    if (n !== null) {
      var scale = Math.pow(10, digits === undefined ? 1 : digits);
      return String(Math.round(n * scale) / scale);
    }
    if (typeof value === "string") return value;
    return JSON.stringify(value);
  }

  /* A 2D context for the canvas at its shown size, cleared; [g, width, height]. */
  function surface(canvas) {
    var width = canvas.clientWidth, height = canvas.clientHeight;
    var ratio = global.devicePixelRatio || 1;
    canvas.width = Math.max(1, width * ratio);
    canvas.height = Math.max(1, height * ratio);
    var g = canvas.getContext("2d");
    g.scale(ratio, ratio);
    g.clearRect(0, 0, width, height);
    return [g, width, height];
  }

  /*
   * Draw `values` as a line with a scale on the left; the newest point sits at
   * the right edge and `capacity` points fill the width. With `fromZero` the
   * scale starts at 0 (counts), else it spans the values' own range.
   */
  function lineChart(canvas, values, capacity, fromZero) {
    var s = surface(canvas), g = s[0], width = s[1], height = s[2];
    var low = fromZero ? 0 : Math.min.apply(null, values.concat([Infinity]));
    var high = Math.max.apply(null, values.concat([fromZero ? 1 : -Infinity]));
    if (!isFinite(low)) { low = 0; high = 1; }
    if (high === low) { high += 1; low -= fromZero ? 0 : 1; }
    var left = 44, top = 8, plot = height - 16;
    g.strokeStyle = "#d9dde5";
    g.fillStyle = "#5b6477";
    g.font = "11px system-ui";
    g.lineWidth = 1;
    for (var i = 0; i <= 4; i++) {
      var y = top + plot * i / 4;
      g.beginPath(); g.moveTo(left, y); g.lineTo(width, y); g.stroke();
      g.fillText(label(high - (high - low) * i / 4), 0, y + 4);
    }
    g.strokeStyle = "#0b6bcb";
    g.lineWidth = 2;
    g.beginPath();
    var span = Math.max(1, capacity - 1);
    values.forEach(function (v, n) {
      var x = left + (width - left) * (n + capacity - values.length) / span;
      var yv = top + plot * (1 - (v - low) / (high - low));
      if (n === 0) g.moveTo(x, yv); else g.lineTo(x, yv);
    });
    g.stroke();
  }

  /* Bars for the last values, scaled between their own minimum and maximum. */
  function sparkBlocks(canvas, values) {
    var s = surface(canvas), g = s[0], width = s[1], height = s[2];
    if (!values.length) return;
    var low = Math.min.apply(null, values), high = Math.max.apply(null, values);
    var step = width / values.length;
    g.fillStyle = "#0b6bcb";
    values.forEach(function (v, n) {
      var share = high === low ? 0.5 : (v - low) / (high - low);
      var bar = Math.max(2, share * (height - 2));
      g.fillRect(n * step + 1, height - bar, Math.max(1, step - 2), bar);
    });
  }

  /* Offer the server's open channels as suggestions in a <datalist>. */
  function knownChannels(datalist) {
    global.fetch("/api/channels").then(function (r) { return r.json(); })
      .then(function (body) {
        body.channels.forEach(function (c) {
          var option = global.document.createElement("option");
          option.value = c.name;
          datalist.appendChild(option);
        });
      }).catch(function () {});
  }

  /* Keep the page's handle and connection state shown in two elements. */
  function connectionStatus(handle, status) {
    global.setInterval(function () {
      handle.textContent = global.OOCSI.handle();
      status.textContent = global.OOCSI.isConnected() ? "connected" : "connecting";
    }, 250);
  }

  global.OOCSIPages = {
    knownChannels: knownChannels,
    connectionStatus: connectionStatus,
    parsePath: parsePath,
    select: select,
    numeric: numeric,
    label: label,
    lineChart: lineChart,
    sparkBlocks: sparkBlocks
  };
})(this);
