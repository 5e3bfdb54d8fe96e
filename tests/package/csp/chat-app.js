// The chat on single.html and multi.html. Query: ?nickname=ana[&server=...]
export async function startChat({ createChatClient }) {
  const query = new URLSearchParams(location.search);
  const state = document.getElementById('state');
  const log = document.getElementById('log');
  const form = document.getElementById('send');

  const client = await createChatClient({
    server: query.get('server') ?? '/ws',
    nickname: query.get('nickname') ?? undefined,
  });
  client.addEventListener('status', ({ detail }) => { state.textContent = detail.state; });
  client.addEventListener('message', ({ detail }) => {
    if (detail.own) return;
    const item = document.createElement('li');
    item.textContent = `${detail.from}: ${detail.text}`;
    log.append(item);
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const result = client.send(form.elements.text.value);
    if (result.ok) form.reset();
    else state.textContent = result.message;
  });
  window.chat = client;
}
