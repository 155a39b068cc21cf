/** What the OAuth code validates the documents it fetches with: zod's small build (`zod/mini`), the few
 * schema builders used (the whole set would be eight times the size), set to English messages, which the
 * errors quote (`… is malformed (issuer: …)`). Imported as a namespace: `z.object(…)`. */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

export { array, boolean, minLength, object, optional, string, url, type infer, type ZodMiniType } from 'zod/mini';
