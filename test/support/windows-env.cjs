// Loaded with `node -r` before the CLI under Wine (test/support/wine.ts): sets the variables a Windows login
// sets per user (USERPROFILE, APPDATA, …), which Wine would otherwise take from its prefix. On Windows,
// process.env writes the process environment, so os.homedir() and child processes see these values too.
const wanted = JSON.parse(process.env.MMS_WINDOWS_ENV || '{}');
delete process.env.MMS_WINDOWS_ENV;
for (const [name, value] of Object.entries(wanted)) process.env[name] = value;
