// Build-time stand-in for `undici`'s index: only what src/net/http-proxy.ts uses, so the bundle leaves out
// undici's WebSocket, EventSource, cache and mock modules. Types still come from the real package.
'use strict'
const { fetch } = require('undici/lib/web/fetch/index.js')
const EnvHttpProxyAgent = require('undici/lib/dispatcher/env-http-proxy-agent.js')

module.exports = { fetch, EnvHttpProxyAgent }
