/** `node dist/bench/profile-summary.js <file.cpuprofile|dir> [top]`: the hottest functions and packages. */
import { statSync } from 'node:fs';
import { profilesIn, summarizeProfile } from './lib/profile.js';

const target = process.argv[2] ?? '.';
const top = Number(process.argv[3] ?? 25);
const files = statSync(target).isDirectory() ? profilesIn(target) : [target];
for (const file of files) {
  const summary = summarizeProfile(file, top);
  console.log(`\n${file}: ${(summary.totalMs / 1000).toFixed(1)} s sampled`);
  console.log('\nby package (self time)');
  for (const { name, selfPercent } of summary.packages)
    console.log(`${selfPercent.toFixed(1).padStart(6)} %  ${name}`);
  console.log('\nby function (self time)');
  for (const { name, selfPercent } of summary.functions)
    console.log(`${selfPercent.toFixed(1).padStart(6)} %  ${name}`);
}
