/* triagebook: the runbook page's fill-in form, and the search box's normaliser.
 * No network, no storage: values live in the page's address only (never secrets).
 * The plugin prepends `var TRIAGEBOOK = {normalise: {...}}` — the tables of
 * triagebook.runbook.normalise, so this file applies the same rules as
 * `inv runbook.match` (a browser test compares both on the same inputs). */
(function () {
  "use strict";
  var T = TRIAGEBOOK.normalise;
  var STOP = new Set(T.stop);
  var ID_KEYS = new Set(T.idKeys);

  function snake(token) {
    return token.replace(/([a-z0-9])([A-Z])/g, "$1_$2")
      .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2").replace(/-/g, "_").toLowerCase();
  }
  function key(code) { return code.toLowerCase().replace(/[^a-z0-9]/g, ""); }
  function prefixes(code) {
    var parts = code.split("_"), out = [];
    for (var i = 1; i < parts.length; i++) out.push(key(parts.slice(0, i).join("_")) + "_");
    return out;
  }
  var HEX = new RegExp("^(?:" + T.hex + ")$");
  var CAMEL = new RegExp(T.camel);
  var BARE = new RegExp("^(?:" + T.bare + ")$");
  function count(re, s) { return (s.match(re) || []).length; }
  function isNoise(token) {
    var digits = count(/[0-9]/g, token);
    if (!digits) return false;
    return count(/[A-Za-z]/g, token) < 2 || digits >= 4 || HEX.test(token.toLowerCase());
  }
  function isCode(token) {
    return token.indexOf("_") >= 0 || token.indexOf("-") >= 0 || CAMEL.test(token);
  }
  function blank(text, start, end) {
    return text.slice(0, start) + " ".repeat(end - start) + text.slice(end);
  }

  /* triagebook.runbook.normalise.normalise, step for step */
  function normalise(text) {
    var codes = [], family = [], words = [], values = {};
    function add(seq, item) { if (item && seq.indexOf(item) < 0) seq.push(item); }
    function status(n) { add(codes, "http_" + n); add(family, "http_" + String(n)[0] + "xx"); }
    var m, source = text;
    T.phrases.forEach(function (p) { if (new RegExp(p[0], "i").test(text)) add(codes, p[1]); });
    T.moreStatus.forEach(function (pattern) {
      var src = text;
      for (m of src.matchAll(new RegExp(pattern, "gi"))) {
        status(parseInt(m[1], 10));
        text = blank(text, m.index, m.index + m[0].length);
      }
    });
    source = text;
    for (m of source.matchAll(new RegExp(T.status, "gi"))) {
      var num = m[1] || m[2] || m[3];
      status(num ? parseInt(num, 10)
                 : T.reasons[m[4].toLowerCase().split(/\s+/).filter(Boolean).join(" ")]);
      text = blank(text, m.index, m.index + m[0].length);
    }
    if ((m = BARE.exec(text)) !== null) { status(parseInt(m[1], 10)); text = ""; }
    source = text;
    for (m of source.matchAll(new RegExp(T.pair, "gd"))) {
      var name = snake(m[1].replace(/\./g, "_"));
      var value = m[2] !== undefined ? m[2] : m[3] !== undefined ? m[3] : m[4];
      if (!Object.prototype.hasOwnProperty.call(values, name)) values[name] = value;
      var vi = m.indices[2] || m.indices[3] || m.indices[4];
      var colon = source.slice(m.indices[1][1], vi[0]).indexOf(":") >= 0;
      if (colon && isCode(m[1]) && !ID_KEYS.has(name) && !name.endsWith("_id"))
        add(codes, name);  // `SkuUnavailable: no gpus`: the key is the error's code
      text = blank(text, m.indices[1][0], m.indices[1][1]);
      if (ID_KEYS.has(name) || name.endsWith("_id"))
        text = blank(text, m.index, m.index + m[0].length);
    }
    for (m of text.matchAll(new RegExp(T.token, "g"))) {
      var token = m[0], parts;
      if (isNoise(token)) continue;
      if (isCode(token)) {
        var c = snake(token);
        add(codes, c);
        parts = c.split("_");
      } else {
        parts = [token.toLowerCase()];
      }
      parts.forEach(function (w) {
        if (w.length > 1 && !STOP.has(w) && !isNoise(w)) add(words, w);
      });
    }
    return {codes: codes, family: family, words: words, values: values};
  }

  /* What the search index is asked: a failure class named by a code first (the page's
   * tags hold the same keys, boosted 10^6 by material), then globs and classes of
   * statuses, then the prose words (material adds its prefix wildcard to those). */
  function searchQuery(text) {
    var q = normalise(text), terms = [];
    function push(t) { if (terms.indexOf(t) < 0) terms.push(t); }
    q.codes.forEach(function (c) {
      push(key(c) + "*^100");
      prefixes(c).forEach(function (p) { push(p + "^30"); });
    });
    q.family.forEach(function (f) { push(key(f) + "^30"); });
    q.words.forEach(push);
    return terms.join(" ");
  }
  /* triagebook.runbook.match._rank, step for step, over the index the plugin ships
   * (match.site_index): the site orders runbooks as `inv runbook.match` does. */
  var M = null, DF = null;
  function docFreq() {
    if (DF) return DF;
    M = window.TRIAGEBOOK_MATCH ||  // assets/triagebook/match.js, loaded before this file
      {books: [], vocab: [], weights: [], scores: {}, cutoff: 0, limit: 0};
    DF = new Map();
    M.byId = new Map();
    M.books.forEach(function (b, i) {
      M.byId.set(b.id, i);
      var seen = new Set();
      Object.keys(b.fields).forEach(function (f) {
        b.fields[f].forEach(function (i) { seen.add(M.vocab[i]); });
      });
      seen.forEach(function (w) { DF.set(w, (DF.get(w) || 0) + 1); });
      b.sets = {};
      Object.keys(b.fields).forEach(function (f) {
        b.sets[f] = new Set(b.fields[f].map(function (i) { return M.vocab[i]; }));
      });
      b.globRes = Object.keys(b.globs).map(function (g) { return [new RegExp(g), b.globs[g]]; });
    });
    return DF;
  }
  function has(obj, k) { return Object.prototype.hasOwnProperty.call(obj, k); }
  function codeScore(q, b) {
    var all = q.codes.concat(q.words), i, j;
    for (i = 0; i < all.length; i++) if (has(b.exact, key(all[i]))) return M.scores.exact;
    for (i = 0; i < q.codes.length; i++)
      for (j = 0; j < b.globRes.length; j++)
        if (b.globRes[j][0].test(q.codes[i])) return M.scores.glob;
    for (i = 0; i < q.family.length; i++) if (has(b.exact, key(q.family[i]))) return M.scores.family;
    for (i = 0; i < all.length; i++) if (has(b.names, key(all[i]))) return M.scores.name;
    return 0;
  }
  function rank(text) {
    var df = docFreq(), q = normalise(text), n = M.books.length || 1, out = [];
    M.books.forEach(function (b) {
      var score = codeScore(q, b);
      q.words.forEach(function (w) {
        var idf = Math.log(1 + n / (df.has(w) ? df.get(w) : n));
        M.weights.forEach(function (fw) {
          if (b.sets[fw[0]].has(w)) score += fw[1] * idf;
        });
      });
      if (score > 0) out.push({id: b.id, score: score});
    });
    out.sort(function (a, b) {
      return b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    });
    if (out.length) {
      var floor = out[0].score * M.cutoff;
      out = out.filter(function (m) { return m.score >= floor; });
    }
    return out.slice(0, M.limit);
  }

  /* Material's worker answers {type: 3, data: {items: [[section, ...], ...]}}, one group
   * per page, in lunr's order: the runbooks `rank` names come first, in its order. */
  var RESULT = 3;
  function escapeHtml(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }
  function reorder(items, text) {
    var ranked = rank(text);
    if (!ranked.length) return items;
    var byUrl = new Map(), out = [], used = new Set();
    items.forEach(function (group, i) {
      var loc = group.length ? String(group[0].location).split("#")[0] : "";
      if (!byUrl.has(loc)) byUrl.set(loc, i);
    });
    ranked.forEach(function (m) {
      var b = M.books[M.byId.get(m.id)];
      if (byUrl.has(b.url)) {
        used.add(byUrl.get(b.url));
        out.push(items[byUrl.get(b.url)]);
      } else {  // lunr did not find its page's text (a word only in the trigger): shown
        out.push([{location: b.url, title: escapeHtml(b.title),
                   text: escapeHtml(b.trigger), score: 0, terms: {}}]);
      }
    });
    items.forEach(function (group, i) { if (!used.has(i)) out.push(group); });
    return out;
  }
  window.triagebook = {normalise: normalise, searchQuery: searchQuery, rank: rank};

  /* Material posts {type: 2 (query), data: text} to its search worker: rewrite the
   * text on the way.  Patched on the prototypes, so it holds for the worker created
   * later, and for the iframe shim that stands in for Worker under file://. */
  var QUERY = 2;
  function patch(proto) {
    if (!proto || proto.__triagebook) return;
    var post = proto.postMessage;
    proto.postMessage = function (message) {
      if (message && message.type === QUERY && typeof message.data === "string") {
        this.__tbQuery = message.data;
        var rewritten = searchQuery(message.data);
        message = {type: QUERY, data: rewritten || message.data};
      }
      return post.apply(this, [message].concat([].slice.call(arguments, 1)));
    };
    proto.__triagebook = true;
  }
  /* The answer is reordered where it is read (MessageEvent's `data`): Material
   * subscribes to its worker before this script runs, so wrapping its listener is not
   * an option; this holds whoever listens, and for the file:// iframe shim too. */
  var dataOf = Object.getOwnPropertyDescriptor(MessageEvent.prototype, "data");
  if (dataOf && dataOf.get && !MessageEvent.prototype.__triagebook) {
    Object.defineProperty(MessageEvent.prototype, "data", {
      configurable: true, enumerable: dataOf.enumerable,
      get: function () {
        var d = dataOf.get.call(this), src = this.currentTarget || this.target;
        if (d && d.type === RESULT && !d.__tbRanked && src && src.__tbQuery &&
            d.data && Array.isArray(d.data.items)) {
          try { d.data.items = reorder(d.data.items, src.__tbQuery); } catch (e) { /* lunr's */ }
          d.__tbRanked = true;
        }
        return d;
      }
    });
    MessageEvent.prototype.__triagebook = true;
  }
  function patchWorkers() {
    if (window.Worker) patch(window.Worker.prototype);
    if (window.IFrameWorker) patch(window.IFrameWorker.prototype);
  }
  patchWorkers();

  /* Material searches on keyup; text pasted with the mouse (or dropped) raises only an
   * input event, and would find nothing until the next key. */
  document.addEventListener("input", function (ev) {
    var el = ev.target;
    if (el && el.classList && el.classList.contains("md-search__input") && !ev.isComposing)
      el.dispatchEvent(new KeyboardEvent("keyup", {bubbles: true}));
  }, true);

  /* ---- the fill-in form ------------------------------------------------------ */
  function test(pattern, value) {
    try { return new RegExp(pattern).test(value); } catch (e) { return true; }
  }

  function setupFill() {
    var form = document.querySelector("[data-tb-fill]");
    if (!form) return;
    var inputs = [].slice.call(form.querySelectorAll("input[data-tb-input]"));
    var spans = [].slice.call(document.querySelectorAll(".tb-ph[data-tb-var]"));
    spans.forEach(function (s) { s.setAttribute("data-tb-expr", s.textContent); });
    var secrets = [].slice.call(form.querySelectorAll("[data-tb-field] [data-tb-env]"))
      .map(function (el) { return el.closest("[data-tb-field]").getAttribute("data-tb-field"); });
    var params = new URLSearchParams(location.search);
    inputs.forEach(function (input) {
      var given = params.get(input.name);
      if (given !== null) input.value = given;
    });

    function apply() {
      var fill = {};
      var url = new URL(location.href);
      inputs.forEach(function (input) {
        var name = input.name, value = input.value.trim();
        var pattern = input.getAttribute("data-tb-pattern");
        var ok = !value || !pattern || test(pattern, value);
        var field = input.closest("[data-tb-field]");
        field.classList.toggle("tb-invalid", !ok);
        input.setAttribute("aria-invalid", ok ? "false" : "true");
        var bad = field.querySelector("[data-tb-bad]");
        if (bad) bad.hidden = ok;
        if (value && ok) fill[name] = [value, "tb-filled"];
        // a value that does not fit: marked, as the runner marks a missing one — never
        // the template text back in a command someone may copy
        else if (value) fill[name] = ["<" + name + ">", "tb-invalid"];
        else if (input.hasAttribute("data-tb-default"))
          fill[name] = [input.getAttribute("data-tb-default"), "tb-default"];
        if (value) url.searchParams.set(name, value);
        else url.searchParams.delete(name);
      });
      // a secret pasted into a link is dropped from the address, never used
      secrets.forEach(function (name) { url.searchParams.delete(name); });
      spans.forEach(function (s) {
        var f = fill[s.getAttribute("data-tb-var")];
        s.textContent = f ? f[0] : s.getAttribute("data-tb-expr");
        s.classList.toggle("tb-filled", !!f && f[1] === "tb-filled");
        s.classList.toggle("tb-default", !!f && f[1] === "tb-default");
        s.classList.toggle("tb-invalid", !!f && f[1] === "tb-invalid");
      });
      if (url.href !== location.href) {
        try { history.replaceState(history.state, "", url.href); } catch (e) { /* file:// */ }
      }
    }
    inputs.forEach(function (input) { input.addEventListener("input", apply); });
    apply();
  }

  if (window.document$ && typeof window.document$.subscribe === "function")
    window.document$.subscribe(function () { patchWorkers(); setupFill(); });
  else if (document.readyState === "loading")
    document.addEventListener("DOMContentLoaded", setupFill);
  else
    setupFill();
})();
