import { DomainError } from '../problems/domain-error.js';

export class StorageUnavailableError extends DomainError {
  readonly status = 503;
  readonly type = 'storage-unavailable';
  readonly title = 'The broker database is unavailable';

  constructor() {
    super(
      'The broker cannot reach its database and holds no valid token for this connection; retry shortly.',
    );
    this.headers['retry-after'] = '2';
  }
}
