(function () {
  'use strict';
  var dataEl = document.getElementById('vigie-data');
  if (dataEl.getAttribute('data-encoding') === 'gzip+base64') {
    document.getElementById('status').textContent = 'Unpacking findings…';
    var bin = atob(dataEl.textContent.trim());
    var bytes = new Uint8Array(bin.length);
    for (var b = 0; b < bin.length; b++) { bytes[b] = bin.charCodeAt(b); }
    new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).text()
      .then(function (t) { start(JSON.parse(t)); })
      .catch(function (e) { document.getElementById('status').textContent = 'Cannot unpack the findings in this browser (' + e + '); open the report in a current browser, or use the JSON result.'; });
  } else {
    start(JSON.parse(dataEl.textContent));
  }

  function start(D) {
  var S = D.strings;
  var SEV = ['info', 'low', 'medium', 'high', 'critical'];
  var STAGE = ['exposure', 'attempt', 'exploitation', 'compromise'];
  var CONF = ['possible', 'likely', 'confirmed'];
  var s = function (i) { return (i === null || i === undefined) ? null : S[i]; };
  var $ = function (id) { return document.getElementById(id); };
  var state = { q: '', sev: 0, stage: -1, host: '', page: 0, all: false };
  var hay = null;

  // Only textContent is ever set from data: quoted evidence cannot become markup.
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== null && text !== undefined) { e.textContent = String(text); }
    return e;
  }
  function add(parent, child) { parent.appendChild(child); return child; }

  function evText(ev) {
    var out = [];
    ev.forEach(function (e) {
      e.forEach(function (x, i) {
        if (i === 0) { return; }
        if (typeof x === 'string') { out.push(x); }
        else if (Array.isArray(x)) { x.forEach(function (kv) { if (Array.isArray(kv)) { out.push(s(kv[0]), kv[1]); } }); }
      });
    });
    return out.join(' ');
  }
  function haystack() {
    if (hay) { return hay; }
    hay = D.findings.map(function (f) {
      var r = D.rules[f[1]];
      return [f[0], s(f[5]), s(f[6]) || '', s(f[7]), s(r[0]), s(r[1]), s(r[3]) || '', (f[15] || []).join(' '),
        (f[16] || []).join(' '), SEV[f[2]], STAGE[f[3]], evText(f[17])].join('\n').toLowerCase();
    });
    return hay;
  }
  function filtered() {
    var q = state.q.toLowerCase().trim();
    var h = q ? haystack() : null;
    var terms = q ? q.split(/\s+/) : [];
    var out = [];
    for (var i = 0; i < D.findings.length; i++) {
      var f = D.findings[i];
      if (f[2] < state.sev) { continue; }
      if (state.stage >= 0 && f[3] !== state.stage) { continue; }
      if (state.host && s(f[6]) !== state.host) { continue; }
      if (terms.length && !terms.every(function (t) { return h[i].indexOf(t) >= 0; })) { continue; }
      out.push(f);
    }
    return out;
  }

  function row(tbl, k, v) {
    if (v === null || v === undefined || v === '') { return; }
    var tr = add(tbl, el('tr'));
    add(tr, el('th', null, k));
    add(tr, el('td', null, v));
  }
  function kvTable(parent, pairs) {
    if (!pairs || !pairs.length) { return; }
    var t = add(parent, el('table', 'kv'));
    pairs.forEach(function (kv) { row(t, s(kv[0]), kv[1]); });
  }
  function evidence(body, e) {
    var k = e[0];
    if (k === 'm') {
      add(body, el('div', 'ev-h', 'Matched text' + (s(e[1]) ? ' (' + s(e[1]) + ')' : '') + (e[2] !== null ? ' at byte ' + e[2] : '')));
      var pre = add(body, el('pre', 'ev'));
      add(pre, document.createTextNode(e[3]));
      if (e[4]) { add(pre, el('mark', null, e[4])); }
      add(pre, document.createTextNode(e[5]));
    } else if (k === 'f') {
      add(body, el('div', 'ev-h', 'File'));
      var t = add(body, el('table', 'kv'));
      row(t, 'Path', s(e[1])); row(t, 'Size', e[2] + ' bytes'); row(t, 'MD5', e[3]); row(t, 'SHA-1', e[4]);
      row(t, 'SHA-256', e[5]); row(t, 'Modified', e[6]); row(t, 'Owner', s(e[7]));
    } else if (k === 'l') {
      add(body, el('div', 'ev-h', 'Log line ' + e[2] + ' of ' + s(e[1])));
      add(body, el('pre', 'ev', e[3]));
      kvTable(body, e[4]);
    } else if (k === 'e') {
      var what = 'Event' + (e[6] !== null ? ' ' + e[6] : '') + (s(e[4]) ? ' in ' + s(e[4]) : '') + (e[2] !== null ? ', record ' + e[2] : '');
      add(body, el('div', 'ev-h', what));
      var te = add(body, el('table', 'kv'));
      row(te, 'File', s(e[1])); row(te, 'Time', e[3]); row(te, 'Computer', s(e[5])); row(te, 'Provider', s(e[7]));
      (e[8] || []).forEach(function (kv) { row(te, s(kv[0]), kv[1]); });
    } else if (k === 'h') {
      add(body, el('div', 'ev-h', 'Network exchange'));
      add(body, el('pre', 'ev', e[1] + (e[2] !== null ? '  →  ' + e[2] : '')));
      kvTable(body, e[3]);
    } else if (k === 'x') {
      var tx = add(body, el('table', 'kv'));
      row(tx, s(e[1]), e[2]);
    }
  }
  function finding(f, open) {
    var r = D.rules[f[1]];
    var d = el('details', 'finding');
    d.id = 'f-' + f[0];
    if (open) { d.open = true; }
    var sum = add(d, el('summary'));
    add(sum, el('span', 'sev sev-' + SEV[f[2]], SEV[f[2]]));
    add(sum, el('span', 'stage', STAGE[f[3]]));
    if (f[14]) { add(sum, el('span', 'kev', 'KEV')); }
    add(sum, el('span', 't', s(f[5])));
    var loc = s(f[7]) + (s(f[10]) ? '!' + s(f[10]) : '') + (f[8] !== null ? ':' + f[8] : '') + (f[9] !== null ? ' record ' + f[9] : '');
    add(sum, el('span', 'loc', (s(f[6]) ? s(f[6]) + ': ' : '') + loc + (f[11] ? ' · ' + f[11] : '')));
    var fill = function () {
      if (d.dataset.filled) { return; }
      d.dataset.filled = '1';
      var body = add(d, el('div', 'body'));
      if (s(f[12])) { add(body, el('p', null, s(f[12]))); }
      if (s(f[13])) { var p = add(body, el('p')); add(p, el('strong', null, 'What to do: ')); add(p, document.createTextNode(s(f[13]))); }
      var t = add(body, el('table', 'kv'));
      row(t, 'Rule', s(r[0]) + ' — ' + s(r[1]) + ' (' + r[2] + ')');
      row(t, 'Rule author', s(r[3]));
      row(t, 'Rule set', s(r[5]));
      row(t, 'Rule licence', s(r[6]));
      row(t, 'Rule file', s(r[7]));
      row(t, 'References', (r[4] || []).map(s).join('\n'));
      row(t, 'Confidence', CONF[f[4]]);
      row(t, 'Time', f[11]);
      row(t, 'CVE', (f[15] || []).join(', ') + (f[14] ? ' (in CISA KEV)' : ''));
      row(t, 'ATT&CK', (f[16] || []).join(', '));
      row(t, 'Indicators', (f[19] || []).join(', '));
      row(t, 'Byte offset', f[20]);
      row(t, 'Finding id', f[0]);
      (f[17] || []).forEach(function (e) { evidence(body, e); });
      if (f[18] > 0) { add(body, el('p', 'muted', '… and ' + f[18] + ' more evidence items in the JSON result.')); }
    };
    if (open) { fill(); } else { d.addEventListener('toggle', fill); }
    return d;
  }

  function draw() {
    var list = filtered();
    var size = D.pageSize;
    var pages = Math.max(1, Math.ceil(list.length / size));
    if (state.page >= pages) { state.page = pages - 1; }
    var from = state.all ? 0 : state.page * size;
    var to = state.all ? list.length : Math.min(list.length, from + size);
    var box = $('list');
    box.textContent = '';
    var lastGroup = null;
    for (var i = from; i < to; i++) {
      var f = list[i];
      var g = (s(f[6]) || 'host not recorded') + ' · ' + STAGE[f[3]];
      if (g !== lastGroup) { add(box, el('h3', 'group-h', g)); lastGroup = g; }
      add(box, finding(f, state.all));
    }
    var st = list.length === 0 ? 'No finding matches.' :
      'Showing ' + (from + 1) + '–' + to + ' of ' + list.length + (list.length !== D.total ? ' (filtered from ' + D.total + ')' : '');
    if (D.evidenceCap) { st += '. Evidence text is shortened to ' + D.evidenceCap + ' characters per finding in this page; the JSON result has it in full.'; }
    $('status').textContent = st;
    $('page').textContent = 'Page ' + (state.page + 1) + ' of ' + pages;
    $('prev').disabled = state.all || state.page === 0;
    $('next').disabled = state.all || state.page >= pages - 1;
  }

  var hostSel = $('host');
  D.hosts.forEach(function (h) { var o = add(hostSel, el('option', null, h)); o.value = h; });
  var timer = null;
  $('q').addEventListener('input', function (ev) {
    clearTimeout(timer);
    timer = setTimeout(function () { state.q = ev.target.value; state.page = 0; draw(); }, 150);
  });
  $('sev').addEventListener('change', function (ev) { state.sev = Number(ev.target.value); state.page = 0; draw(); });
  $('stage').addEventListener('change', function (ev) { state.stage = Number(ev.target.value); state.page = 0; draw(); });
  hostSel.addEventListener('change', function (ev) { state.host = ev.target.value; state.page = 0; draw(); });
  $('prev').addEventListener('click', function () { state.page -= 1; draw(); $('findings').scrollIntoView(); });
  $('next').addEventListener('click', function () { state.page += 1; draw(); $('findings').scrollIntoView(); });
  // Printing: every filtered finding, opened, when there are not too many.
  window.addEventListener('beforeprint', function () { if (filtered().length <= 1000) { state.all = true; draw(); } });
  window.addEventListener('afterprint', function () { if (state.all) { state.all = false; draw(); } });
  document.documentElement.setAttribute('data-ready', '1');
  draw();
  }
}());
