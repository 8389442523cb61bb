// Runs one test step through LibreChat's own client library (librechat-data-provider) against a
// live chatcore. tests/librechat_client.py writes the step as the body of an async function that
// receives `dataService` (the library's exported API) and returns a JSON-able value; this file
// points the library's axios at CHATCORE_URL with CHATCORE_TOKEN, runs it, and prints one JSON
// line: {"ok": true, "value": ...} or {"ok": false, "status": ..., "data": ..., "message": ...}.
"use strict";
const path = require("node:path");
const provider = require("librechat-data-provider");
// The axios instance the library itself imports (resolved from its own folder, not ours).
const axios = require(require.resolve("axios", { paths: [path.dirname(require.resolve("librechat-data-provider"))] }));

async function main() {
  const [stepFile] = process.argv.slice(2);
  axios.defaults.baseURL = process.env.CHATCORE_URL;
  if (process.env.CHATCORE_TOKEN) provider.setTokenHeader(process.env.CHATCORE_TOKEN);
  const step = require(path.resolve(stepFile));
  try {
    const value = await step(provider.dataService, provider);
    process.stdout.write(JSON.stringify({ ok: true, value: value === undefined ? null : value }) + "\n");
  } catch (error) {
    const response = error.response || {};
    process.stdout.write(
      JSON.stringify({ ok: false, status: response.status ?? null, data: response.data ?? null, message: String(error.message) }) + "\n",
    );
  }
}

main();
