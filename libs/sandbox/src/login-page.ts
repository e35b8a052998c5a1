import { accountIdOf } from './directory.js';
import { htmlEscape } from './http.js';
import type { SandboxUser } from './types.js';

export interface LoginPageModel {
  action: string;
  realm: string;
  clientId: string;
  scope: string;
  users: readonly SandboxUser[];
  problem?: string;
}

const STYLE = `
  body { font-family: system-ui, sans-serif; background: #f3f4f6; color: #1f2937; margin: 0; }
  main { max-width: 30rem; margin: 3rem auto; background: #fff; border-radius: 8px; padding: 1.5rem 2rem;
         box-shadow: 0 1px 3px rgba(0,0,0,.15); }
  h1 { font-size: 1.3rem; margin: 0 0 .25rem; }
  .badge { display: inline-block; background: #fde68a; border-radius: 4px; padding: 0 .4rem; font-size: .8rem; }
  p { line-height: 1.4; } code { background: #f3f4f6; padding: 0 .25rem; border-radius: 3px; }
  button { display: block; width: 100%; text-align: left; margin: .5rem 0; padding: .6rem .8rem;
           border: 1px solid #d1d5db; border-radius: 6px; background: #fff; font: inherit; cursor: pointer; }
  button:hover { border-color: #2563eb; background: #eff6ff; }
  button small { color: #6b7280; }
  button.cancel { text-align: center; color: #6b7280; }
  .problem { color: #b91c1c; }
`;

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${htmlEscape(title)}</title>
  <style>${STYLE}</style>
</head>
<body><main>
  <span class="badge">sipgate sandbox</span>
  ${body}
  <p><small>A local stand-in for sipgate's login server. No real sipgate account is involved.</small></p>
</main></body>
</html>`;
}

/** The user picker. Each user is a submit button, so it works without JavaScript. */
export function renderLoginPage(model: LoginPageModel): string {
  const buttons = model.users
    .map(
      (user) => `<button type="submit" name="user" value="${htmlEscape(accountIdOf(user))}">
      <strong>${htmlEscape(user.name)}</strong><br>
      <small>${htmlEscape(user.sub)} · account ${htmlEscape(user.masterSipId)} · ${htmlEscape(user.company)}</small>
    </button>`,
    )
    .join('\n    ');
  return page(
    'Sign in · sipgate sandbox',
    `<h1>Sign in to sipgate</h1>
  <p><code>${htmlEscape(model.clientId)}</code> asks for <code>${htmlEscape(model.scope)}</code>
     in realm <code>${htmlEscape(model.realm)}</code>. Pick the user to log in as:</p>
  ${model.problem ? `<p class="problem">${htmlEscape(model.problem)}</p>` : ''}
  <form method="post" action="${htmlEscape(model.action)}">
    ${buttons}
    <button type="submit" name="cancel" value="1" class="cancel">Cancel</button>
  </form>`,
  );
}

export function renderErrorPage(fields: Record<string, string>): string {
  const rows = Object.entries(fields)
    .map(([key, value]) => `<p><strong>${htmlEscape(key)}</strong>: ${htmlEscape(value)}</p>`)
    .join('\n  ');
  return page('Error · sipgate sandbox', `<h1>Something went wrong</h1>\n  ${rows}`);
}
