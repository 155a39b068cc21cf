// Build-time stand-in for undici's SIMD build of llhttp: undici falls back to the plain WebAssembly
// parser when this is not a module, which is all a CLI making a dozen requests needs (saves 70 KB).
'use strict'
module.exports = undefined
