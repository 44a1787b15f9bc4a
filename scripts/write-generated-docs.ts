// Writes the documents generated from code: the export's JSON Schema and the open-data README.
// `npm test` fails when a committed copy is out of date.
import { writeFileSync } from 'node:fs';
import { openDataReadme } from '../server/src/outcome/formats/csv.js';
import { outcomeJsonSchema } from '../server/src/outcome/jsonSchema.js';

const write = (path: string, text: string) => {
  writeFileSync(new URL(`../${path}`, import.meta.url), text);
  console.log(`wrote ${path}`);
};
write('docs/outcome.schema.json', `${JSON.stringify(outcomeJsonSchema(), null, 2)}\n`);
write('docs/OPEN-DATA.md', openDataReadme());
