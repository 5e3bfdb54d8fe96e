// The one-tag embed: a plain static host page under a strict CSP, with its own
// conflicting markup and aggressive global styles, loads the INSTALLED
// package's wasmchat.single.js with one <script type="module" src> and holds
// two <wasm-chat> elements talking to the real chat server on the same origin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  usePackageSite, openPage, until, withDeadline, splitKnown,
} from './helpers.js';

let host; // the one page all tests here share, in order
let problems;

const env = usePackageSite('embed');

test('the host page loads the single-file build with one script tag and both elements connect', async (t) => {
  host = await withDeadline(openPage(env.browser, `${env.site.origin}/`), 'the host page');
  const { page } = host;
  await until(page, () => ['chat-a', 'chat-b'].every((id) => document.getElementById(id).client?.state === 'open'),
    null, 'both <wasm-chat> elements are open');
  const clients = await page.evaluate(() => ['chat-a', 'chat-b'].map((id) => {
    const { client } = document.getElementById(id);
    return { mode: client.mode, name: client.name, state: client.state };
  }));
  assert.deepEqual(clients, [
    { mode: 'v1', name: 'alice', state: 'open' },
    { mode: 'v1', name: 'bob', state: 'open' },
  ]);
  assert.notEqual(await page.evaluate(() => document.getElementById('chat-a').client === document.getElementById('chat-b').client), true);
  assert.equal(env.site.chat.clientCount(), 2, 'the server sees two connections');
  await until(page, () => ['chat-a', 'chat-b'].every((id) => document.getElementById(id).client.online === 2),
    null, 'each element sees 2 online');

  // The page asked for its HTML, its stylesheet and the single file: nothing else
  // from the package (the wasm is inlined).
  const fromPackage = env.site.requests.filter((p) => p.startsWith('/node_modules/'));
  assert.deepEqual([...new Set(fromPackage)], ['/node_modules/wasmchat/dist/wasmchat.single.js']);
  const scripts = await page.evaluate(() => [...document.scripts].map((s) => ({ type: s.type, src: s.getAttribute('src'), inline: s.text.trim() !== '' })));
  assert.deepEqual(scripts, [{ type: 'module', src: '/node_modules/wasmchat/dist/wasmchat.single.js', inline: false }]);
  t.diagnostic(`connected: ${JSON.stringify(clients)}`);
});

test('a message typed in one element appears in the other, both ways', async () => {
  const { page } = host;
  // `host >> inner` looks inside the element's open shadow root: these are the elements' own forms.
  await page.fill('#chat-a >> form[name=publish] input[name=message]', 'hello from alice <b>not bold</b>');
  await page.press('#chat-a >> form[name=publish] input[name=message]', 'Enter');
  await until(page, () => document.getElementById('chat-b').shadowRoot.getElementById('messages').textContent.includes('hello from alice <b>not bold</b>'),
    null, 'alice\'s message shows in bob\'s element');

  await page.fill('#chat-b >> form[name=publish] input[name=message]', 'hi alice, bob here');
  await page.click('#chat-b >> form[name=publish] input[type=submit]');
  await until(page, () => document.getElementById('chat-a').shadowRoot.getElementById('messages').textContent.includes('hi alice, bob here'),
    null, 'bob\'s message shows in alice\'s element');

  const seen = await page.evaluate(() => ['chat-a', 'chat-b'].map((id) => {
    const root = document.getElementById(id).shadowRoot;
    return {
      lines: [...root.querySelectorAll('#messages > div')].map((d) => ({ from: d.querySelector('.from')?.textContent, text: d.querySelector('.text')?.textContent })).reverse(),
      bold: root.querySelectorAll('#messages b').length,
      input: root.querySelector('input[name=message]').value,
    };
  }));
  assert.deepEqual(seen, [
    { lines: [{ from: 'alice', text: 'hello from alice <b>not bold</b>' }, { from: 'bob', text: 'hi alice, bob here' }], bold: 0, input: '' },
    { lines: [{ from: 'alice', text: 'hello from alice <b>not bold</b>' }, { from: 'bob', text: 'hi alice, bob here' }], bold: 0, input: '' },
  ]);
});

test("the host page's own #messages, form[name=publish], #state and #problem are untouched", async () => {
  const { page } = host;
  const hostView = await page.evaluate(() => ({
    url: location.pathname,
    messages: document.getElementById('messages').innerHTML,
    state: document.getElementById('state').textContent,
    problem: document.getElementById('problem').textContent,
    draft: document.forms.publish.elements.message.value,
    forms: document.forms.length,
    ids: ['messages', 'state', 'problem'].map((id) => document.querySelectorAll(`#${id}`).length),
  }));
  assert.deepEqual(hostView, {
    url: '/',
    messages: '<div class="message"><span class="from">host</span><span class="text">host\'s own message</span></div>',
    state: 'host state',
    problem: 'host problem',
    draft: 'host draft',
    forms: 1,
    ids: [1, 1, 1],
  });
  assert.ok(!env.site.requests.includes('/host-form-submitted'), 'the host form was never submitted');
});

test("the host's selectors do not reach inside the elements: their forms stay visible and usable", async () => {
  const { page } = host;
  // The host hides every form, input, #messages, .text and [part] it can see.
  assert.equal(await page.isVisible('body > form[name=publish]'), false, 'the host CSS applies to the host');
  for (const id of ['chat-a', 'chat-b']) {
    assert.equal(await page.isVisible(`#${id} >> form[name=publish] input[name=message]`), true, `${id}'s input is visible`);
    assert.equal(await page.isVisible(`#${id} >> form[name=publish] input[type=submit]`), true, `${id}'s button is visible`);
    assert.equal(await page.isVisible(`#${id} >> #messages`), true, `${id}'s #messages is visible`);
  }
  const inside = await page.evaluate(() => {
    const root = document.getElementById('chat-a').shadowRoot;
    const style = (selector) => getComputedStyle(root.querySelector(selector));
    return {
      form: style('form').display,
      input: style('input[name=message]').visibility,
      messages: style('#messages').display,
      text: style('#messages .text').display,
      status: style('dl').display,
      background: style('dd').backgroundColor,
      boxSizing: style('input[name=message]').boxSizing,
    };
  });
  assert.deepEqual(inside, {
    form: 'flex', input: 'visible', messages: 'block', text: 'inline', status: 'grid',
    background: 'rgba(0, 0, 0, 0)', boxSizing: 'border-box',
  });
});

// The host's `* { color: red !important; font-family: monospace !important }`
// and `html body * { font-size: 31px !important }` match the <wasm-chat>
// element itself and win over the element's `:host { color: ...; font: ... }`
// (an outer !important beats :host), and shadow content inherits from its host:
// the element must reset inheritance inside its shadow root.
test("the host's `* { color/font !important }` does not reach the element's text through inheritance", async () => {
  const { page } = host;
  const text = await page.evaluate(() => {
    const root = document.getElementById('chat-b').shadowRoot;
    const style = getComputedStyle(root.querySelector('#messages .text'));
    return { color: style.color, fontFamily: style.fontFamily, fontSize: style.fontSize, letterSpacing: style.letterSpacing };
  });
  assert.notEqual(text.color, 'rgb(255, 0, 0)', `message text color ${JSON.stringify(text)}`);
  assert.notEqual(text.fontFamily, 'monospace', `message text font ${JSON.stringify(text)}`);
  assert.notEqual(text.fontSize, '31px', `message text size ${JSON.stringify(text)}`);
});

test('the elements keep their outbox in IndexedDB by default; persist="false" keeps it in memory', async (t) => {
  const { page } = host;
  // The two elements share the default store of this origin and server: one holds it, the other waits for it.
  const defaults = await page.evaluate(() => ['chat-a', 'chat-b'].map((id) => document.getElementById(id).client.persistence));
  assert.deepEqual([...defaults].sort(), ['on', 'waiting']);
  await page.evaluate(() => {
    for (const [id, persist] of [['chat-off', 'false'], ['chat-named', 'carol-store']]) {
      const element = document.createElement('wasm-chat');
      element.id = id;
      element.setAttribute('persist', persist);
      document.body.append(element);
    }
  });
  await until(page, () => ['chat-off', 'chat-named'].every((id) => document.getElementById(id).client?.state === 'open'),
    null, 'the two new elements are open');
  const added = await page.evaluate(() => ['chat-off', 'chat-named'].map((id) => document.getElementById(id).client.persistence));
  t.diagnostic(`persistence: default elements ${defaults.join('/')}, persist="false" ${added[0]}, persist="carol-store" ${added[1]}`);
  assert.deepEqual(added, ['off', 'on']);
  await page.evaluate(() => { for (const id of ['chat-off', 'chat-named']) document.getElementById(id).remove(); });
  const deadline = Date.now() + 5000;
  while (env.site.chat.clientCount() !== 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(env.site.chat.clientCount(), 2, 'the removed elements closed their connections');
});

test('removing one element closes its connection and the other sees the count drop', async () => {
  const { page } = host;
  const closes = page.evaluate(() => new Promise((resolve) => {
    const b = document.getElementById('chat-b');
    const { client } = b;
    client.addEventListener('close', ({ detail }) => resolve({ ...detail, state: client.state }), { once: true });
    b.remove();
  }));
  const closed = await withDeadline(closes, 'the removed element\'s client to close');
  assert.equal(closed.reconnectIn, null, 'closed for good, no reconnection');
  assert.equal(closed.state, 'closed');
  await until(page, () => document.getElementById('chat-a').client.online === 1, null, 'alice sees 1 online');
  await until(page, () => document.getElementById('chat-a').shadowRoot.getElementById('online').textContent === '1', null, 'alice\'s element shows 1 online');
  const deadline = Date.now() + 5000;
  while (env.site.chat.clientCount() !== 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(env.site.chat.clientCount(), 1, 'the server has one connection left');
  assert.equal(await page.evaluate(() => document.getElementById('chat-a').client.state), 'open');
  assert.equal(await page.evaluate(() => document.querySelectorAll('wasm-chat').length), 1);
});

test('no console error, page error or CSP violation on the host page ', async () => {
  problems = splitKnown(await host.problems());
  await host.close();
  assert.deepEqual(problems.other, { consoleErrors: [], pageErrors: [], cspViolations: [] });
});

test('the single-file build makes no request that connect-src blocks', () => {
  assert.equal(problems.inlinedWasmFetch, 0, 'console errors and CSP violations for fetching the inlined data: URL');
});
