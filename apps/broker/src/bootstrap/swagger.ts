import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

interface QueryParameter {
  in?: string;
  required?: boolean;
  description?: string;
  example?: unknown;
  schema?: { example?: unknown };
}

/**
 * Swagger UI pre-fills "Try it out" fields with a parameter's example, so an optional filter with an
 * example (`sipgateUserId` `w0`) silently filtered an admin's list down to nothing (seen in the
 * browser test, test/browser). Such examples move into the description, where they still document.
 */
function withoutPrefilledFilters(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item as Record<string, { parameters?: QueryParameter[] }>)) {
      for (const parameter of operation?.parameters ?? []) {
        if (parameter.in !== 'query' || parameter.required) continue;
        const example = parameter.example ?? parameter.schema?.example;
        if (example === undefined) continue;
        delete parameter.example;
        delete parameter.schema?.example;
        const note = `Example: \`${typeof example === 'string' ? example : JSON.stringify(example)}\``;
        parameter.description = parameter.description ? `${parameter.description}. ${note}` : note;
      }
    }
  }
  return document;
}

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('sipgate token broker')
    .setDescription(
      'Hands out valid sipgate API tokens. Admins connect sipgate accounts (OAuth2 or Personal Access Token); ' +
        'consumer services read a ready-to-use token per connection. Authenticate with `Authorization: Bearer <api key>`.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'A broker API key' }, 'api-key')
    .build();
  return withoutPrefilledFilters(
    SwaggerModule.createDocument(app, config, { operationIdFactory: (_controller, method) => method }),
  );
}

/**
 * Swagger UI at /docs, the OpenAPI 3 document at /docs-json. The API key an admin authorizes with
 * stays in the page: persisted, it would sit in localStorage for any later script of this origin
 * (and on a shared machine) to read, long after the admin closed the tab.
 */
export function setupSwagger(app: INestApplication): void {
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
    swaggerOptions: { persistAuthorization: false, displayOperationId: false },
  });
}
