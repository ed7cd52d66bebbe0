/**
 * The dashboard page `/dashboard` serves: one self-contained HTML document (inline CSS, inline script,
 * charts drawn as inline SVG by the script) that polls `dashboard/data` (relative, so the page also
 * works behind a path prefix) every 2 s and renders `DashboardDocument`. Nothing is loaded from
 * anywhere else: the admin port is often reachable only from an operator's tunnel, without internet.
 *
 * Elements the integration test reads carry `data-testid`; `body[data-loaded]` is set after the first
 * successful render. The script avoids template literals so the whole page can live in this one
 * string constant.
 */
export const DASHBOARD_HTML = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>dbtwin dashboard</title>
<style>
  :root { --fg:#1f2328; --muted:#59636e; --line:#d1d9e0; --bg:#f6f8fa; --card:#fff;
          --running:#1a7f37; --paused:#0969da; --retrying:#9a6700; --stopped:#cf222e; --starting:#59636e; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
         color:var(--fg); background:var(--bg); }
  header { display:flex; align-items:baseline; gap:16px; padding:12px 20px; background:#fff;
           border-bottom:1px solid var(--line); }
  header h1 { font-size:18px; margin:0; }
  header .meta { color:var(--muted); }
  #conn { margin-left:auto; font-weight:600; }
  #conn.ok { color:var(--running); } #conn.stale { color:var(--stopped); }
  main { padding:16px 20px; display:grid; gap:16px; }
  section { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:12px 16px; }
  section h2 { font-size:13px; text-transform:uppercase; letter-spacing:.04em; color:var(--muted); margin:0 0 8px; }
  .row3 { display:grid; grid-template-columns:repeat(3, minmax(0,1fr)); gap:16px; }
  .row3 section, .split > div { min-width:0; }
  .split { display:grid; grid-template-columns:minmax(0,1fr) minmax(0,1.15fr); gap:20px; }
  table { border-collapse:collapse; width:100%; }
  th, td { text-align:left; padding:4px 8px; border-bottom:1px solid var(--line); vertical-align:top;
           overflow-wrap:anywhere; }
  .nowrap { white-space:nowrap; overflow-wrap:normal; }
  small { color:var(--muted); font-size:12px; }
  th { font-weight:600; color:var(--muted); font-size:12px; white-space:nowrap; overflow-wrap:normal; }
  td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; overflow-wrap:normal; }
  .chip { display:inline-block; padding:1px 8px; border-radius:10px; color:#fff; font-weight:600; font-size:12px; }
  .pill { display:inline-flex; align-items:center; gap:6px; padding:2px 10px; border-radius:12px;
          font-weight:700; font-size:12px; color:#fff; text-transform:uppercase; letter-spacing:.03em; }
  .summary { font-size:15px; margin-bottom:8px; }
  .note { color:var(--muted); }
  .warn { color:var(--stopped); font-weight:600; }
  .banner { padding:6px 10px; border-radius:6px; background:#ddf4ff; margin-bottom:8px; }
  .links { display:grid; gap:12px; }
  .link { border:1px solid var(--line); border-left:6px solid var(--starting); border-radius:8px; padding:10px 14px; }
  .link-head { display:flex; align-items:center; gap:12px; margin-bottom:6px; }
  .link-head .name { font-size:16px; font-weight:700; }
  .kpis { display:grid; grid-template-columns:repeat(7, minmax(0,1fr)); gap:8px; margin:6px 0; }
  .kpi .v { font-size:22px; font-weight:700; font-variant-numeric:tabular-nums; }
  .kpi .l { font-size:12px; color:var(--muted); }
  .charts { display:grid; grid-template-columns:1fr 1fr; gap:16px; }
  .chart-title { font-size:12px; color:var(--muted); margin-bottom:2px; }
  svg text { font-size:11px; fill:#59636e; font-family:inherit; }
  .bar { height:14px; background:#8250df; border-radius:3px; }
  footer { padding:0 20px 16px; color:var(--muted); font-size:12px; }
  .legend span { margin-right:14px; }
  .dot { display:inline-block; width:10px; height:10px; border-radius:50%; margin-right:4px; vertical-align:-1px; }
</style>
</head>
<body>
<header>
  <h1>dbtwin</h1>
  <span class="meta" id="instance"></span>
  <span class="meta" id="updated">loading…</span>
  <span id="conn"></span>
</header>
<main>
  <section data-testid="cutover"><h2>Cutover</h2><div id="cutover" class="note">loading…</div></section>
  <section data-testid="links"><h2>Links</h2><div id="links" class="links note">loading…</div></section>
  <div class="row3">
    <section data-testid="conflicts"><h2>Conflicts by type</h2><div id="conflicts"></div></section>
    <section data-testid="dead-letters"><h2>Dead letters</h2><div id="dead-letters"></div></section>
    <section data-testid="breaker"><h2>Ping-pong breaker</h2><div id="breaker"></div></section>
  </div>
  <section data-testid="cluster"><h2>Cluster instances</h2><div id="cluster"></div></section>
</main>
<footer>
  <div class="legend">
    <span><i class="dot" style="background:var(--running)"></i>running</span>
    <span><i class="dot" style="background:var(--paused)"></i>paused</span>
    <span><i class="dot" style="background:var(--retrying)"></i>retrying (target unavailable)</span>
    <span><i class="dot" style="background:var(--stopped)"></i>stopped / broken</span>
    <span><i class="dot" style="background:var(--starting)"></i>starting</span>
  </div>
  Counters are this process's since it started; lag is the link's consumer group (every instance), in messages.
</footer>
<script>
(function () {
  'use strict';
  var POLL_MS = 2000;
  var STATES = { running: 'running', paused: 'paused', retrying: 'retrying', stopped: 'stopped', starting: 'starting' };
  var SIDE_COLOURS = ['#0969da', '#8250df', '#bf3989', '#1a7f37', '#bc4c00', '#0550ae'];

  function $(id) { return document.getElementById(id); }
  function esc(v) {
    return String(v).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }
  function int(n) { return n === null || n === undefined ? '–' : Math.round(n).toLocaleString('en-US'); }
  function rate(n) {
    if (n === null || n === undefined) return '–';
    return n < 10 ? n.toFixed(1) : Math.round(n).toLocaleString('en-US');
  }
  function stateVar(s) { return 'var(--' + (STATES[s] || 'starting') + ')'; }
  function sideColour(side) {
    var h = 0;
    for (var i = 0; i < side.length; i++) h = (h * 31 + side.charCodeAt(i)) >>> 0;
    return SIDE_COLOURS[h % SIDE_COLOURS.length];
  }
  function chip(side) {
    return '<span class="chip" style="background:' + sideColour(side) + '">' + esc(side) + '</span>';
  }
  function ago(iso, now) {
    var s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
    if (s < 60) return s + ' s ago';
    var m = Math.floor(s / 60);
    if (m < 60) return m + ' min ' + (s % 60) + ' s ago';
    var h = Math.floor(m / 60);
    return h < 48 ? h + ' h ' + (m % 60) + ' min ago' : Math.floor(h / 24) + ' days ago';
  }
  function time(iso) { return esc(String(iso).replace('T', ' ').replace(/\.\d+Z$/, 'Z')); }
  function unavailable(section, what) {
    if (section.state === 'absent') return '<div class="note">' + esc(what) + ' is not connected to this process</div>';
    return '<div class="warn">' + esc(what) + ' unavailable: ' + esc(section.error) + '</div>';
  }

  function renderCutover(doc) {
    var c = doc.cutover;
    if (c.state !== 'ok') return unavailable(c, 'the cutover registry');
    var d = c.data;
    if (d.instances.length === 0 && !d.finalized) return '<div class="summary" data-testid="cutover-empty">no cutover registered</div>';
    var bySide = {};
    d.instances.forEach(function (i) { bySide[i.side] = (bySide[i.side] || 0) + 1; });
    var parts = Object.keys(bySide).sort().map(function (s) { return bySide[s] + ' on ' + chip(s); });
    var html = '<div class="summary"><b>' + d.instances.length + '</b> application instance' +
      (d.instances.length === 1 ? '' : 's') + ': ' + parts.join(', ') + '</div>';
    if (d.finalized)
      html += '<div class="banner">Finalized ' + time(d.finalized.at) + ': every instance writes to ' +
        chip(d.finalized.side) + '; links stopped: ' + esc(d.finalized.stoppedLinks.join(', ') || 'none') + '</div>';
    html += '<div class="split"><div><table><thead><tr><th>instance</th><th>writes to</th><th>since</th><th class="num">moves</th></tr></thead><tbody>';
    d.instances.forEach(function (i) {
      html += '<tr data-testid="cutover-instance" data-instance="' + esc(i.instance) + '" data-side="' + esc(i.side) + '">' +
        '<td><b>' + esc(i.instance) + '</b></td><td>' + chip(i.side) + '</td><td><span class="nowrap">' + time(i.since) +
        '</span> <small>' + ago(i.since, doc.now) + '</small></td><td class="num">' + i.moves + '</td></tr>';
    });
    html += '</tbody></table></div><div><div class="chart-title">Recent moves</div><table><tbody>';
    d.recent.forEach(function (m) {
      html += '<tr><td class="note nowrap">' + time(m.at).slice(0, 16) + '</td><td><b>' + esc(m.instance) + '</b><br><small>' +
        esc(m.kind) + ' by ' + esc(m.by) + '</small></td><td class="nowrap">' + (m.from === null ? '' : chip(m.from) + ' → ') +
        chip(m.to) + '</td></tr>';
    });
    if (d.recent.length === 0) html += '<tr><td class="note">none</td></tr>';
    return html + '</tbody></table></div></div>';
  }

  // The x span: the samples there are, at least a minute, rounded up to a round span, at most the
  // history kept, so a young process's curve is not squeezed into the right edge.
  function spanOf(doc, series) {
    var have = series.length ? doc.now - series[0][0] : 0;
    var spans = [1, 2, 5, 10, 15, 30, 60, 120];
    for (var i = 0; i < spans.length; i++) if (spans[i] * 60000 >= have) return Math.min(spans[i] * 60000, doc.historyMs);
    return doc.historyMs;
  }
  function duration(ms) {
    return ms >= 60000 ? Math.round(ms / 6000) / 10 + ' min' : Math.round(ms / 1000) + ' s';
  }

  function niceMax(v) {
    if (!(v > 0)) return 1;
    var p = Math.pow(10, Math.floor(Math.log10(v)));
    var steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * p >= v) return steps[i] * p;
    return 10 * p;
  }

  // One line chart over the history window: x from now - historyMs to now, y from 0 to a round max.
  // Missing values (lag unknown) break the line instead of drawing a false zero.
  function chart(doc, series, index, colour, label) {
    var W = 520, H = 120, L = 52, R = 8, T = 8, B = 20;
    var span = spanOf(doc, series);
    var from = doc.now - span;
    var max = 0;
    series.forEach(function (p) { if (p[index] !== null && p[index] > max) max = p[index]; });
    max = niceMax(max);
    function x(at) { return L + ((at - from) / span) * (W - L - R); }
    function y(v) { return T + (1 - v / max) * (H - T - B); }
    var svg = '<svg viewBox="0 0 ' + W + ' ' + H + '" width="100%" role="img" aria-label="' + esc(label) + '">';
    [0, 0.5, 1].forEach(function (f) {
      var gy = y(max * f);
      svg += '<line x1="' + L + '" x2="' + (W - R) + '" y1="' + gy + '" y2="' + gy + '" stroke="#d1d9e0" stroke-width="1"/>';
      svg += '<text x="' + (L - 6) + '" y="' + (gy + 4) + '" text-anchor="end">' + esc(max * f === Math.round(max * f) ? int(max * f) : (max * f).toFixed(1)) + '</text>';
    });
    svg += '<text x="' + L + '" y="' + (H - 4) + '">−' + duration(span) + '</text>';
    svg += '<text x="' + ((L + W - R) / 2) + '" y="' + (H - 4) + '" text-anchor="middle">−' + duration(span / 2) + '</text>';
    svg += '<text x="' + (W - R) + '" y="' + (H - 4) + '" text-anchor="end">now</text>';
    var segments = [], current = [];
    series.forEach(function (p) {
      if (p[index] === null) { if (current.length) segments.push(current); current = []; return; }
      current.push([x(p[0]), y(p[index])]);
    });
    if (current.length) segments.push(current);
    segments.forEach(function (seg) {
      var pts = seg.map(function (q) { return q[0].toFixed(1) + ',' + q[1].toFixed(1); }).join(' ');
      if (seg.length > 1) {
        var base = y(0).toFixed(1);
        svg += '<polygon points="' + seg[0][0].toFixed(1) + ',' + base + ' ' + pts + ' ' + seg[seg.length - 1][0].toFixed(1) + ',' + base +
          '" fill="' + colour + '" fill-opacity="0.12"/>';
        svg += '<polyline points="' + pts + '" fill="none" stroke="' + colour + '" stroke-width="2" stroke-linejoin="round"/>';
      }
      var last = seg[seg.length - 1];
      svg += '<circle cx="' + last[0].toFixed(1) + '" cy="' + last[1].toFixed(1) + '" r="3" fill="' + colour + '"/>';
    });
    if (series.length === 0) svg += '<text x="' + ((L + W) / 2) + '" y="' + (H / 2) + '" text-anchor="middle">no samples yet</text>';
    return '<div><div class="chart-title">' + esc(label) + ', last ' + duration(span) + '</div>' + svg + '</svg></div>';
  }

  function kpi(testid, value, label) {
    return '<div class="kpi"><div class="v" data-testid="' + testid + '">' + value + '</div><div class="l">' + esc(label) + '</div></div>';
  }

  function renderLinks(doc) {
    if (doc.links.length === 0) return '<div class="note">this process runs no link</div>';
    return doc.links.map(function (l) {
      var dlq = l.deadLetterQueue.state === 'ok' ? int(l.deadLetterQueue.data) : '?';
      var html = '<div class="link" data-testid="link" data-link="' + esc(l.link) + '" data-state="' + esc(l.state) +
        '" style="border-left-color:' + stateVar(l.state) + '">';
      html += '<div class="link-head"><span class="name">' + esc(l.link) + '</span><span class="pill" data-testid="link-state" style="background:' +
        stateVar(l.state) + '">' + esc(l.state) + '</span>';
      if (l.echo !== 'ok') html += '<span class="' + (l.echo === 'off' ? 'note' : 'warn') + '">echo suppression ' + esc(l.echo) + '</span>';
      html += '</div>';
      if (l.waitingFor) html += '<div class="warn">waiting for: ' + esc(l.waitingFor) + '</div>';
      if (l.pausedBy) html += '<div class="note">paused by ' + esc(l.pausedBy) + '</div>';
      html += '<div class="kpis">' +
        kpi('link-lag', int(l.lag), 'lag (messages)') +
        kpi('link-throughput', rate(l.appliedPerSecond), 'applied / s') +
        kpi('link-applied', int(l.applied), 'applied') +
        kpi('link-dlq', dlq, 'dead letters queued') +
        kpi('link-trips', int(l.breakerTrips), 'breaker trips') +
        kpi('link-conflicts', int(l.conflicts), 'conflicts') +
        kpi('link-retries', int(l.retries), 'retries') + '</div>';
      html += '<div class="charts">' + chart(doc, l.series, 1, '#0969da', 'Lag, messages') +
        chart(doc, l.series, 2, '#1a7f37', 'Throughput, applied changes / s') + '</div>';
      return html + '</div>';
    }).join('');
  }

  function renderConflicts(doc) {
    var c = doc.conflicts;
    if (c.byType.length === 0) return '<div class="note">no conflicts</div>';
    var max = c.byType[0].count;
    var html = '<table><tbody>';
    c.byType.forEach(function (t) {
      html += '<tr data-testid="conflict-type" data-type="' + esc(t.type) + '"><td>' + esc(t.type) + '</td><td style="width:45%"><div class="bar" style="width:' +
        Math.max(2, (100 * t.count) / max) + '%"></div></td><td class="num"><b>' + int(t.count) + '</b></td></tr>';
    });
    html += '</tbody></table><div class="chart-title" style="margin-top:8px">by link, table and outcome</div><table><tbody>';
    c.rows.slice(0, 6).forEach(function (r) {
      html += '<tr><td><span class="nowrap">' + esc(r.link) + '</span><br><small>' + esc(r.table) + '</small></td><td class="nowrap">' + esc(r.type) +
        '</td><td class="nowrap">' + esc(r.outcome) + '</td><td class="num">' + int(r.count) + '</td></tr>';
    });
    return html + '</tbody></table>';
  }

  function renderDeadLetters(doc) {
    if (doc.links.length === 0) return '<div class="note">no link</div>';
    var html = '<table><thead><tr><th>link</th><th class="num">queued</th><th class="num">added</th><th class="num">quarantined</th></tr></thead><tbody>';
    doc.links.forEach(function (l) {
      var q = l.deadLetterQueue;
      var queued = q.state === 'ok' ? '<b>' + int(q.data) + '</b>' : q.state === 'absent' ? '–' : '<span class="warn" title="' + esc(q.error) + '">?</span>';
      html += '<tr data-testid="dead-letter-link" data-link="' + esc(l.link) + '"><td class="nowrap">' + esc(l.link) + '</td><td class="num">' + queued +
        '</td><td class="num">' + int(l.deadLettered) + '</td><td class="num">' + int(l.quarantined) + '</td></tr>';
    });
    return html + '</tbody></table><div class="note" style="margin-top:6px">added, quarantined: since this process started. dbtwin dlq list / replay / drop</div>';
  }

  function renderBreaker(doc) {
    var b = doc.breaker;
    var html = '<div class="summary" data-testid="breaker-trips"><b>' + int(b.trips) + '</b> trip' + (b.trips === 1 ? '' : 's') + ' in this process</div>';
    var q = b.quarantined;
    if (q.state !== 'ok') return html + unavailable(q, 'the quarantine list');
    html += '<div data-testid="breaker-quarantined"><b>' + int(q.data.total) + '</b> row' + (q.data.total === 1 ? '' : 's') + ' quarantined in the deployment</div>';
    if (q.data.rows.length === 0) return html;
    html += '<table><thead><tr><th>row</th><th>tripped</th><th class="num">flips</th></tr></thead><tbody>';
    q.data.rows.forEach(function (r) {
      html += '<tr><td>' + esc(r.table) + '<br><small>key ' + esc(JSON.stringify(r.key)) + '</small></td><td>' + esc(ago(r.trippedAt, doc.now)) +
        '<br><small>by ' + esc(r.trippedBy) + '</small></td><td class="num">' + r.flips + '</td></tr>';
    });
    return html + '</tbody></table><div class="note" style="margin-top:6px">dbtwin breaker list|release</div>';
  }

  function renderCluster(doc) {
    var c = doc.cluster;
    if (c.state !== 'ok') return unavailable(c, 'the cluster registry');
    if (c.data.length === 0) return '<div class="note">no live instance in the registry</div>';
    var html = '<table><thead><tr><th>instance</th><th>admin</th><th>ready</th><th>heartbeat</th><th>links</th></tr></thead><tbody>';
    c.data.forEach(function (i) {
      html += '<tr data-testid="cluster-instance"><td><b>' + esc(i.instance) + '</b>' + (i.instance === doc.instance ? ' <span class="note">(this process)</span>' : '') +
        '</td><td>' + esc(i.admin) + '</td><td>' + (i.ready ? 'yes' : '<span class="warn">no</span>') + '</td><td>' +
        (i.heartbeatAgeMs / 1000).toFixed(1) + ' s ago</td><td>' + i.links.map(function (l) {
          return '<span style="color:' + stateVar(l.state) + '">●</span> ' + esc(l.link) + ' ' + esc(l.state);
        }).join('<br>') + '</td></tr>';
    });
    return html + '</tbody></table>';
  }

  function render(doc) {
    $('instance').textContent = doc.instance;
    $('updated').textContent = 'updated ' + doc.generatedAt.slice(11, 19) + ' UTC';
    $('cutover').className = '';
    $('cutover').innerHTML = renderCutover(doc);
    $('links').className = 'links';
    $('links').innerHTML = (doc.lagError ? '<div class="warn">lag unknown: ' + esc(doc.lagError) + '</div>' : '') + renderLinks(doc);
    $('conflicts').innerHTML = renderConflicts(doc);
    $('dead-letters').innerHTML = renderDeadLetters(doc);
    $('breaker').innerHTML = renderBreaker(doc);
    $('cluster').innerHTML = renderCluster(doc);
  }

  function poll() {
    fetch('dashboard/data', { cache: 'no-store' })
      .then(function (r) {
        if (!r.ok) throw new Error('HTTP ' + r.status);
        return r.json();
      })
      .then(function (doc) {
        render(doc);
        $('conn').textContent = '● live';
        $('conn').className = 'ok';
        document.body.setAttribute('data-loaded', 'true');
      })
      .catch(function (e) {
        $('conn').textContent = '● no data: ' + e.message + ' (showing the last data)';
        $('conn').className = 'stale';
      })
      .finally(function () { setTimeout(poll, POLL_MS); });
  }
  poll();
})();
</script>
</body>
</html>
`;
