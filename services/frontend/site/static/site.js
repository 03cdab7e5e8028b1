// hyundai-poc.com: progressive enhancement only. Every page works without
// this file; it adds live updates to /status and feedback to the form.
(function () {
  'use strict';

  // The lead form: show that it is sending. A second click still submits;
  // the form's idempotency key makes that the same request to the server.
  var form = document.querySelector('form[data-form="lead"]');
  if (form) {
    form.addEventListener('submit', function () {
      var btn = form.querySelector('button[type="submit"]');
      var status = form.querySelector('[data-form-status]');
      if (btn) { btn.setAttribute('aria-busy', 'true'); }
      if (status) { status.textContent = 'Sending your request…'; }
    });
    var summary = document.getElementById('error-summary');
    if (summary) { summary.focus(); }
  }

  var dash = document.querySelector('[data-status]');
  if (!dash) { return; }

  var POLL_MS = 2000;
  var SAMPLES = 30;
  var SVGNS = 'http://www.w3.org/2000/svg';

  // Where the data path moved: worth a flash. Lag and times change all the time.
  var FLASH = { frontend_region: 1, writer_region: 1, read_source: 1, 'writer.region': 1, 'reader.region': 1, 'writer.healthy': 1, 'reader.healthy': 1 };

  function field(name) { return dash.querySelector('[data-field="' + name + '"]'); }

  function setText(name, value) {
    var el = field(name);
    if (!el) { return; }
    var text = (value === null || value === undefined || value === '') ? '–' : String(value);
    if (el.textContent !== text) {
      el.textContent = text;
      // Flash what changed so a moving writer catches the eye.
      if (!FLASH[name]) { return; }
      var box = el.closest('.kpi__value') || el;
      box.classList.remove('changed');
      void box.offsetWidth;
      box.classList.add('changed');
    }
  }

  function fmtTime(s) {
    var d = new Date(s);
    return isNaN(d) ? s : d.toISOString().slice(11, 19) + ' UTC';
  }

  function showNode(role, n) {
    n = n || {};
    setText(role + '.region', n.region);
    setText(role + '.read_only', n.read_only ? 'yes' : 'no');
    setText(role + '.checked_at', n.checked_at ? fmtTime(n.checked_at) : '');
    var h = field(role + '.healthy');
    if (h) {
      h.textContent = n.healthy ? 'Healthy' : 'Down';
      h.classList.toggle('health--ok', !!n.healthy);
      h.classList.toggle('health--down', !n.healthy);
    }
  }

  function showRoles(info, serving) {
    var tiles = dash.querySelectorAll('[data-region]');
    for (var i = 0; i < tiles.length; i++) {
      var t = tiles[i], name = t.getAttribute('data-region');
      var writer = name === info.writer_region;
      var reader = !!(info.reader && name === info.reader.region);
      if (serving) {
        t.classList.toggle('region--serving', name === serving);
        t.querySelector('[data-role="serving"]').hidden = name !== serving;
      }
      if (t.classList.contains('region--writer') !== writer) {
        t.classList.toggle('region--writer', writer);
        t.classList.remove('changed');
        void t.offsetWidth;
        t.classList.add('changed');
      }
      t.querySelector('[data-role="writer"]').hidden = !writer;
      t.querySelector('[data-role="reader"]').hidden = !reader;
    }
  }

  var served = null;
  var live = field('live'), updated = field('updated'), errorBox = field('error');

  function pollRegion() {
    var ctl = new AbortController();
    var timer = setTimeout(function () { ctl.abort(); }, POLL_MS * 2);
    fetch('/api/region', { headers: { 'Accept': 'application/json' }, cache: 'no-store', signal: ctl.signal })
      .then(function (r) {
        served = r.headers.get('X-Frontend-Region');
        return r.json().catch(function () { return {}; }).then(function (body) {
          if (!r.ok) { throw new Error((body.error && body.error.message) || ('HTTP ' + r.status)); }
          return body;
        });
      })
      .then(function (info) {
        // Screen readers hear what matters in a drill, not every refresh.
        var before = field('writer_region').textContent;
        if (info.writer_region && before !== info.writer_region && before !== 'unknown' && before !== '–') {
          field('announce').textContent = 'The writer moved from ' + before + ' to ' + info.writer_region + '.';
        }
        setText('writer_region', info.writer_region);
        setText('replication_lag_ms', info.replication_lag_ms);
        setText('read_source', info.read_source);
        setText('region', info.region);
        showNode('writer', info.writer);
        showNode('reader', info.reader);
        if (served) { setText('frontend_region', served); }
        showRoles(info, served);
        errorBox.hidden = true;
        live.className = 'live-dot is-live';
        updated.textContent = 'Live · updated ' + new Date().toLocaleTimeString();
      })
      .catch(function (err) {
        errorBox.textContent = 'The backend did not answer: ' + (err.name === 'AbortError' ? 'timed out' : err.message) + '. Retrying…';
        errorBox.hidden = false;
        live.className = 'live-dot is-down';
        updated.textContent = 'Backend unreachable · ' + new Date().toLocaleTimeString();
      })
      .then(function () { clearTimeout(timer); setTimeout(pollRegion, POLL_MS); });
  }
  pollRegion();

  // Latency panel: the browser times a small request to each region's
  // site and draws the last minute as lines.
  var panel = dash.querySelector('[data-endpoints]');
  var svg = dash.querySelector('[data-chart]');
  var legend = dash.querySelector('[data-legend]');
  var endpoints = [];
  try { endpoints = JSON.parse(panel.getAttribute('data-endpoints') || '[]'); } catch (e) { endpoints = []; }
  if (!svg || endpoints.length === 0) { return; }

  var series = endpoints.map(function (ep, i) {
    var li = document.createElement('li');
    var sw = document.createElement('span');
    sw.className = 'swatch swatch-' + (i % 5);
    var name = document.createElement('span');
    name.textContent = ep.region;
    var val = document.createElement('span');
    val.className = 'rtt';
    val.textContent = '…';
    li.appendChild(sw); li.appendChild(name); li.appendChild(val);
    legend.appendChild(li);
    return { ep: ep, samples: [], label: val, index: i };
  });

  function measure(s, warmup) {
    var url = s.ep.url.replace(/\/$/, '') + '/healthz?rtt=' + Date.now();
    var ctl = new AbortController();
    var timer = setTimeout(function () { ctl.abort(); }, 3000);
    var t0 = performance.now();
    return fetch(url, { mode: 'cors', cache: 'no-store', credentials: 'same-origin', signal: ctl.signal })
      .then(function (r) { return r.arrayBuffer().then(function () { return performance.now() - t0; }); })
      .catch(function () { return null; })
      .then(function (ms) {
        clearTimeout(timer);
        // The first request also opens the connection (and TLS): it is
        // not a round trip, so it is not drawn.
        if (warmup) { return; }
        s.samples.push(ms);
        if (s.samples.length > SAMPLES) { s.samples.shift(); }
        if (ms === null) {
          s.label.textContent = 'unreachable';
          s.label.className = 'rtt down';
        } else {
          s.label.textContent = Math.round(ms) + ' ms';
          s.label.className = 'rtt';
        }
      });
  }

  function el(name, attrs, text) {
    var e = document.createElementNS(SVGNS, name);
    for (var k in attrs) { e.setAttribute(k, attrs[k]); }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function draw() {
    // Draw in CSS pixels, so text and lines keep their size on any screen.
    var W = Math.max(240, Math.round(svg.getBoundingClientRect().width) || 640), H = 220, L = 52, R = 12, T = 12, B = 24;
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
    var max = 10;
    series.forEach(function (s) { s.samples.forEach(function (v) { if (v !== null && v > max) { max = v; } }); });
    var step = [10, 20, 50, 100, 200, 500, 1000, 2000, 5000].find(function (x) { return max / x <= 4; }) || 5000;
    max = Math.ceil(max / step) * step;
    while (svg.firstChild) { svg.removeChild(svg.firstChild); }
    for (var y = 0; y <= max; y += step) {
      var py = T + (H - T - B) * (1 - y / max);
      svg.appendChild(el('line', { 'class': 'grid', x1: L, x2: W - R, y1: py, y2: py }));
      svg.appendChild(el('text', { 'class': 'axis', x: L - 6, y: py + 4, 'text-anchor': 'end' }, y + ' ms'));
    }
    // The time axis spans what has been measured so far, up to a minute.
    var span = 4;
    series.forEach(function (s) { if (s.samples.length > span) { span = s.samples.length; } });
    svg.appendChild(el('text', { 'class': 'axis', x: L, y: H - 6 }, ((span - 1) * POLL_MS / 1000) + ' s ago'));
    svg.appendChild(el('text', { 'class': 'axis', x: W - R, y: H - 6, 'text-anchor': 'end' }, 'now'));
    var any = false;
    series.forEach(function (s) {
      var d = '', pen = false;
      var off = span - s.samples.length;
      s.samples.forEach(function (v, i) {
        if (v === null) { pen = false; return; }
        var px = L + (W - L - R) * ((off + i) / (span - 1));
        var py = T + (H - T - B) * (1 - v / max);
        d += (pen ? 'L' : 'M') + px.toFixed(1) + ' ' + py.toFixed(1);
        pen = true; any = true;
      });
      if (d) { svg.appendChild(el('path', { 'class': 'series series-' + (s.index % 5), d: d })); }
      var last = s.samples[s.samples.length - 1];
      if (last !== null && last !== undefined) {
        svg.appendChild(el('circle', {
          'class': 'dot dot-' + (s.index % 5), r: 4,
          cx: (W - R).toFixed(1), cy: (T + (H - T - B) * (1 - last / max)).toFixed(1)
        }));
      }
    });
    if (!any) {
      svg.appendChild(el('text', { 'class': 'empty', x: W / 2, y: H / 2, 'text-anchor': 'middle' }, 'Measuring…'));
    }
  }

  function round() {
    Promise.all(series.map(function (s) { return measure(s, false); })).then(function () {
      draw();
      setTimeout(round, POLL_MS);
    });
  }
  window.addEventListener('resize', draw);
  draw();
  Promise.all(series.map(function (s) { return measure(s, true); })).then(round);
})();
