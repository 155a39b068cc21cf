// Build-time stand-in for zod's locale index: the CLI's messages are English, and the other 40-odd
// locales would add a quarter of a megabyte to the package.
export { default as en } from 'zod/v4/locales/en.js';
