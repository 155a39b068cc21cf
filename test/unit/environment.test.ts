/** Which folder is "home" on each platform: the one the tools themselves use. */
import { describe, expect, it } from 'vitest';
import { homeFolder } from '../../src/system/environment.js';

describe('homeFolder', () => {
  it('on Windows is the user profile, also when HOME points elsewhere (Git Bash, a company H: drive)', () => {
    expect(homeFolder('win32', { HOME: 'H:\\', USERPROFILE: 'C:\\Users\\ada' }, 'C:\\Users\\ada')).toBe('C:\\Users\\ada');
    expect(homeFolder('win32', {}, 'C:\\Users\\ada')).toBe('C:\\Users\\ada');
  });

  it.each(['linux', 'darwin'] as const)('on %s is $HOME, else the account home', (platform) => {
    expect(homeFolder(platform, { HOME: '/home/ada' }, '/home/other')).toBe('/home/ada');
    expect(homeFolder(platform, {}, '/home/other')).toBe('/home/other');
  });
});
