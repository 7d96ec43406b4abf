// SPDX-License-Identifier: GPL-3.0-or-later
// The phone page: shows the box's state (refreshed every 2 s) and sends what the viewer does as
// forms with the CSRF token. No framework, no external assets.
'use strict';
const csrf = document.querySelector('meta[name="csrf"]').content;
let strings = {};
let state = null;

const t = (key, fallback) => strings[key] || fallback;

function say(text) {
  document.getElementById('message').textContent = text || '';
}

async function send(path, fields) {
  const body = new URLSearchParams(Object.assign({ csrf }, fields));
  try {
    const response = await fetch(path, { method: 'POST', body, credentials: 'same-origin' });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      say(answer.error || t('failed', 'That did not work'));
      return false;
    }
    say('');
    setTimeout(refresh, 150);
    return true;
  } catch (e) {
    say(t('offline', 'The box does not answer'));
    return false;
  }
}

function item(text, buttons) {
  const li = document.createElement('li');
  const span = document.createElement('span');
  span.className = 'url';
  span.textContent = text;
  li.appendChild(span);
  for (const [label, action] of buttons) {
    const b = document.createElement('button');
    b.textContent = label;
    b.addEventListener('click', action);
    li.appendChild(b);
  }
  return li;
}

function renderSources(kind, listId, sources) {
  const list = document.getElementById(listId);
  list.replaceChildren();
  const [operator, own] = sources;
  for (const url of operator) {
    list.appendChild(item(url + ' · ' + t('from_operator', 'from the operator'), []));
  }
  for (const url of own) {
    list.appendChild(item(url, [
      [t('edit', 'Edit'), () => {
        const changed = prompt(t('edit', 'Edit'), url);
        if (changed && changed !== url) send('/api/source', { kind, op: 'edit', old: url, url: changed });
      }],
      [t('remove', 'Remove'), () => send('/api/source', { kind, op: 'remove', url })],
    ]));
  }
}

function renderChannels(channels, playing) {
  const list = document.getElementById('channel-list');
  list.replaceChildren();
  for (const c of channels) {
    const li = document.createElement('li');
    li.className = 'channel' + (c.key === playing ? ' playing' : '');
    li.dataset.key = c.key;
    const num = document.createElement('span');
    num.className = 'num';
    num.textContent = c.number;
    const text = document.createElement('span');
    text.className = 'url';
    text.textContent = c.name;
    if (c.now) {
      const now = document.createElement('div');
      now.className = 'now';
      now.textContent = c.now;
      text.appendChild(now);
    }
    li.append(num, text);
    li.addEventListener('click', () => send('/api/watch', { channel: c.key }));
    list.appendChild(li);
  }
}

async function refresh() {
  try {
    const response = await fetch('/api/state', { credentials: 'same-origin' });
    if (!response.ok) {
      document.getElementById('status').textContent = t('offline', 'The box does not answer');
      return;
    }
    state = await response.json();
  } catch (e) {
    return;
  }
  strings = state.strings || {};
  document.documentElement.lang = state.language;
  for (const el of document.querySelectorAll('[data-t]')) {
    if (strings[el.dataset.t]) el.textContent = strings[el.dataset.t];
  }
  const open = state.keyboard !== null;
  document.getElementById('type-hint').hidden = open;
  for (const id of ['type-send', 'type-done']) document.getElementById(id).disabled = !open;
  document.getElementById('status').textContent = state.standby ? t('standby', 'Standby') : t('connected', 'Connected');
  renderSources('playlist', 'playlist-list', state.playlists);
  renderSources('guide', 'guide-list', state.guides);
  renderChannels(state.channels, state.playing);
  document.getElementById('tv-notice').textContent = state.notice ? t('tv_says', 'The TV says:') + ' ' + state.notice : '';
}

function typeText(submit) {
  const field = document.getElementById('type-text');
  send('/api/type', { text: field.value, submit: submit ? '1' : '0' });
}

function addSource(kind, inputId) {
  const input = document.getElementById(inputId);
  send('/api/source', { kind, op: 'add', url: input.value }).then((ok) => { if (ok) input.value = ''; });
}

const digits = document.getElementById('digits');
for (const d of [1, 2, 3, 4, 5, 6, 7, 8, 9, 0]) {
  const b = document.createElement('button');
  b.textContent = d;
  b.dataset.key = String(d);
  digits.appendChild(b);
}
for (const b of document.querySelectorAll('button[data-key]')) {
  b.addEventListener('click', () => send('/api/key', { key: b.dataset.key }));
}
document.getElementById('type-send').addEventListener('click', () => typeText(false));
document.getElementById('type-done').addEventListener('click', () => typeText(true));
document.getElementById('playlist-add').addEventListener('click', () => addSource('playlist', 'playlist-url'));
document.getElementById('guide-add').addEventListener('click', () => addSource('guide', 'guide-url'));
refresh();
setInterval(refresh, 2000);
