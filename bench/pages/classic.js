// The classic chat page, as the rendering baseline: the browser's WebSocket
// (through bench/plain-chat.js) and one <div> per message, prepended, its
// text set with textContent.
import { createPlainChat } from '/bench/plain-chat.js';

const server = new URLSearchParams(location.search).get('server');
const messages = document.getElementById('messages');
const chat = createPlainChat(server, {
  onMessage({ from, text }) {
    const div = document.createElement('div');
    div.textContent = `${from}: ${text}`;
    messages.prepend(div);
  },
});
document.forms.publish.onsubmit = (event) => {
  event.preventDefault();
  chat.say(`c${Date.now()}`, document.forms.publish.message.value);
  document.forms.publish.message.value = '';
};
window.chat = chat;
