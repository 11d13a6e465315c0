// The gateway's routes as the page uses them: JSON, the bearer token from this tab, problems as errors with their detail.
const TOKEN_KEY = 'gpushare-token';

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY) || '',
  set: (value) => value ? sessionStorage.setItem(TOKEN_KEY, value) : sessionStorage.removeItem(TOKEN_KEY),
};

function headers(json) {
  const result = { Accept: 'application/json' };
  if (json) result['Content-Type'] = 'application/json';
  if (token.get()) result.Authorization = `Bearer ${token.get()}`;
  return result;
}

async function problem(response) {
  let body = null;
  try { body = await response.json(); } catch { /* not JSON: the status says enough */ }
  const message = body?.detail || body?.error?.message || body?.title || response.statusText || `HTTP ${response.status}`;
  const error = new Error(response.status === 401 ? `${message} — enter the gateway's token above.` : message);
  error.status = response.status;
  error.body = body;
  return error;
}

export async function get(path, signal) {
  const response = await fetch(path, { headers: headers(false), signal });
  if (!response.ok) throw await problem(response);
  return response.json();
}

export async function post(path, body, signal) {
  const response = await fetch(path, { method: 'POST', headers: headers(true), body: JSON.stringify(body), signal });
  if (!response.ok) throw await problem(response);
  return response.json();
}

// POSTs a chat request with stream: true and yields each content delta as the server sends it (server-sent events).
export async function* streamChat(request, signal) {
  const response = await fetch('/v1/chat/completions', {
    method: 'POST', headers: headers(true), body: JSON.stringify({ ...request, stream: true }), signal,
  });
  if (!response.ok) throw await problem(response);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, end).trim();
      buffer = buffer.slice(end + 1);
      if (!line.startsWith('data:')) continue;
      const data = line.slice(5).trim();
      if (data === '[DONE]') return;
      const chunk = JSON.parse(data);
      if (chunk.error) throw new Error(chunk.error.message || 'the model server failed mid-answer');
      const content = chunk.choices?.[0]?.delta?.content;
      if (content) yield content;
    }
  }
}
