/** Renders the instruction texts in templates/: `{{placeholder}}` replaced from `values`. An unknown
 * placeholder is a bug, so it throws rather than print `{{…}}` to a user. */
import signInNote from '../../templates/sign-in-note.md?raw';

/** The paragraph added to an app's steps when the OAuth check in the same run succeeded (`{{account}}`). */
export const SIGN_IN_NOTE_TEMPLATE = signInNote;

export interface TemplateValues {
  name: string;
  serverUrl: string;
  settingsUrl: string;
  description: string;
  prompt: string;
  /** A paragraph (with its own blank lines) or the empty string. */
  signInNote: string;
}

/** Replaces every `{{key}}` (spaces inside the braces allowed) with `values[key]`, in one pass: a value that
 * itself contains `{{…}}` is not expanded again. Throws when the template names a key `values` lacks, so a
 * typo in a template fails the tests instead of reaching a user. */
export function renderTemplate<Values extends { readonly [Key in keyof Values]: string }>(template: string, values: Values): string {
  return template.replace(/\{\{([^{}]*)\}\}/g, (_match, raw: string) => {
    const key = raw.trim();
    if (!Object.hasOwn(values, key)) throw new Error(`Template placeholder {{${raw}}} has no value`);
    return values[key as keyof Values];
  });
}

/** The first thing to ask a newly connected assistant: read-only and telling. */
export const VERIFICATION_PROMPT = 'Use the mittwald tools to get my user information, then list my projects.';
export const CONNECTOR_DESCRIPTION = 'Manage mittwald hosting: projects, apps, databases, domains, mail and more.';
