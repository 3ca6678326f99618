// JSON Schema 2020-12 validation (ajv) of values against schemas taken from our OpenAPI 3.1
// document: references to `#/components/schemas/X` are resolved through one shared schema.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

type Json = Record<string, any>;

export interface SchemaValidator {
  compile(schema: Json): ValidateFunction;
  errorsText(validate: ValidateFunction): string;
}

export function schemaValidator(doc: Json): SchemaValidator {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const local = (schema: Json): Json =>
    JSON.parse(JSON.stringify(schema).replace(/"#\/components\/schemas\//g, '"components#/$defs/'));
  ajv.addSchema(local({ $id: 'components', $defs: doc.components.schemas }));
  return {
    compile: (schema) => ajv.compile(local(schema)),
    errorsText: (validate) => ajv.errorsText(validate.errors),
  };
}
