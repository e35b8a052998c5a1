import type { IncomingMessage, ServerResponse } from 'node:http';

import type Provider from 'oidc-provider';

import type { Directory } from './directory.js';
import { readForm, sendHtml } from './http.js';
import { renderErrorPage, renderLoginPage } from './login-page.js';

export interface LoginActionsContext {
  provider: Provider;
  realm: string;
  directory: Directory;
}

/**
 * The login page oidc-provider sends the browser to (`.../login-actions/{uid}`): GET shows the
 * user picker, POST logs the chosen user in (consent follows automatically) or cancels.
 */
export async function handleLoginAction(
  req: IncomingMessage,
  res: ServerResponse,
  { provider, realm, directory }: LoginActionsContext,
): Promise<void> {
  let interaction;
  try {
    interaction = await provider.interactionDetails(req, res);
  } catch {
    sendHtml(
      res,
      400,
      renderErrorPage({ error: 'This login has expired or was already used. Start again.' }),
    );
    return;
  }

  const show = (status: number, problem?: string) =>
    sendHtml(
      res,
      status,
      renderLoginPage({
        action: req.url ?? '',
        realm,
        clientId: interaction.params.client_id ?? '',
        scope: interaction.params.scope ?? '',
        users: directory.users,
        problem,
      }),
    );

  if (req.method === 'GET') return show(200);
  if (req.method !== 'POST') return show(405, 'Use the buttons below.');

  const form = await readForm(req);
  if (form.has('cancel')) {
    await provider.interactionFinished(req, res, {
      error: 'access_denied',
      error_description: 'End-User aborted interaction',
    });
    return;
  }
  const accountId = form.get('user') ?? '';
  if (!directory.userById(accountId)) return show(400, `Unknown user "${accountId}".`);
  await provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
}
