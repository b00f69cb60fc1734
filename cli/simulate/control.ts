/** The emulator's control API (`/_emulator/…`): GET without a body, POST with one. */
export const control = async (endpoint: string, path: string, body?: unknown) => {
  const res = await fetch(
    `${endpoint}/_emulator/${path}`,
    body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) },
  );
  if (!res.ok) throw new Error(`emulator ${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<any>;
};

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
