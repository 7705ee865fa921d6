// Validate SARIF files against the official SARIF 2.1.0 JSON schema shipped
// by the npm package @microsoft/jest-sarif (lib/schemas/sarif-2.1.0-rtm.5.json),
// with ajv 6 (draft-04 schemas). Prints JSON: {valid, errors}.
//
// Usage: node validate-sarif.js FILE.sarif
'use strict';
const fs = require('fs');
const path = require('path');
const Ajv = require('ajv');

const schemaPath = path.join(path.dirname(require.resolve('@microsoft/jest-sarif/package.json')), 'lib/schemas/sarif-2.1.0-rtm.5.json');
const schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8'));
const ajv = new Ajv({ schemaId: 'auto', allErrors: true, jsonPointers: true });
ajv.addMetaSchema(require('ajv/lib/refs/json-schema-draft-04.json'));
const validate = ajv.compile(schema);
const doc = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const valid = validate(doc);
process.stdout.write(JSON.stringify({ valid, schema: schema.title, errors: validate.errors || [] }) + '\n');
