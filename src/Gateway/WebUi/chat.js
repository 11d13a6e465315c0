// Chat with a routable model through the gateway; the reply streams in token by token.
import { get, streamChat } from './api.js';
import { h } from './dom.js';

export async function chatView() {
  const models = (await get('/v1/models')).data;
  const select = h('select', { id: 'chat-model' }, models.map((m) => h('option', { value: m.id }, m.id)));
  const input = h('textarea', { id: 'chat-message', rows: 3, placeholder: 'Ask something…' });
  const transcript = h('ol', { class: 'transcript', 'aria-label': 'Conversation' });
  const send = h('button', { type: 'submit' }, 'Send');
  const history = [];
  const form = h('form', {
    class: 'chat', onsubmit: async (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (!text || !select.value) return;
      input.value = '';
      send.disabled = true;
      history.push({ role: 'user', content: text });
      transcript.append(h('li', { class: 'user' }, h('span', { class: 'who' }, 'You'), h('p', {}, text)));
      const reply = h('p', { 'data-role': 'reply', 'aria-live': 'polite' });
      const item = h('li', { class: 'assistant', 'data-streaming': 'true' }, h('span', { class: 'who' }, select.value), reply);
      transcript.append(item);
      try {
        for await (const token of streamChat({ model: select.value, max_tokens: 256, messages: history })) {
          reply.textContent += token;
        }
        history.push({ role: 'assistant', content: reply.textContent });
      } catch (error) {
        item.append(h('p', { class: 'error', role: 'alert' }, error.message));
        history.pop();
      } finally {
        item.setAttribute('data-streaming', 'false');
        send.disabled = false;
        input.focus();
      }
    },
  },
  h('label', { for: 'chat-model' }, 'Model'), select,
  h('label', { for: 'chat-message' }, 'Message'), input, send);
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
  });
  return h('article', { class: 'chat-page' }, h('h2', {}, 'Chat'),
    models.length ? null : h('p', { class: 'error' }, 'No model is routable yet: deploy one and wait until it is placed.'),
    transcript, form);
}
