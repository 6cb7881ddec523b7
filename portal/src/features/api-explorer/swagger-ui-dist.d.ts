// swagger-ui-dist ships no types; this is the part the API explorer uses.
declare module 'swagger-ui-dist/swagger-ui-es-bundle.js' {
  interface SwaggerRequest {
    method?: string;
    headers: Record<string, string>;
    credentials?: RequestCredentials;
  }
  interface SwaggerUIOptions {
    domNode: HTMLElement;
    url: string;
    deepLinking?: boolean;
    tryItOutEnabled?: boolean;
    requestInterceptor?: (request: SwaggerRequest) => SwaggerRequest | Promise<SwaggerRequest>;
  }
  export default function SwaggerUI(options: SwaggerUIOptions): unknown;
}
