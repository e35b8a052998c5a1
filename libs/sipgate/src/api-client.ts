import { secretsOfAuthorization } from './authorization-header.js';
import { HttpTransport, type HttpOptions } from './http-transport.js';
import { failureFromResponse } from './response-failure.js';
import { parseUserInfo, type SipgateUserInfo } from './userinfo.js';

export interface SipgateApiClientOptions extends HttpOptions {
  /** e.g. https://api.sipgate.com */
  apiUrl: string;
}

/** The parts of sipgate's REST API the broker itself calls. */
export class SipgateApiClient {
  private readonly apiUrl: string;
  private readonly http: HttpTransport;

  constructor(options: SipgateApiClientOptions) {
    this.apiUrl = options.apiUrl.replace(/\/+$/, '');
    this.http = new HttpTransport(options);
  }

  /**
   * Who the credentials belong to; also how a PAT is verified. `authorizationHeader` is a complete
   * header value (see bearerAuthorization / basicAuthorization). A rejected credential throws
   * SipgateUnauthorizedError.
   */
  async userinfo(authorizationHeader: string): Promise<SipgateUserInfo> {
    const response = await this.http.send('userinfo', {
      method: 'GET',
      url: `${this.apiUrl}/v2/authorization/userinfo`,
      headers: { Authorization: authorizationHeader },
    });
    if (response.status < 200 || response.status >= 300) {
      throw failureFromResponse('userinfo', response, secretsOfAuthorization(authorizationHeader));
    }
    return parseUserInfo(response);
  }

  close(): void {
    this.http.close();
  }
}
