/**
 * Credentials the server reads from its environment (never from strata.toml): Infisical machine
 * identity, AWS keys for S3, Azure and Google Cloud storage credentials, and the `STRATA_*_TOKEN` variables `[[workers]] token_env` may name.
 * Read once by the config loader; modules receive these typed values, never the environment.
 */

/** Infisical credentials (universal auth or a token) and an optional self-hosted URL. */
export interface InfisicalCredentials {
  clientId?: string;
  clientSecret?: string;
  token?: string;
  /** INFISICAL_HOST: a self-hosted Infisical's URL. */
  host?: string;
}

/** AWS credentials for the S3 artifact backend (absent: the SDK's own lookup is not used). */
export interface AwsCredentials {
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  /** AWS_REGION, which overrides `s3_region`. */
  region?: string;
}

/** Azure Blob Storage credentials, as the Azure CLI names them (AZURE_STORAGE_*). */
export interface AzureCredentials {
  connectionString?: string;
  accountName?: string;
  accountKey?: string;
}

/** Google Cloud credentials for the GCS artifact backend. */
export interface GcpCredentials {
  /** GOOGLE_APPLICATION_CREDENTIALS: path of a service-account JSON key file. */
  keyFile?: string;
}

/** Every credential the server may use. */
export interface Credentials {
  infisical: InfisicalCredentials;
  aws: AwsCredentials;
  azure: AzureCredentials;
  gcp: GcpCredentials;
  /** `STRATA_*_TOKEN` variables that are not settings, by name (for `[[workers]] token_env`). */
  workerTokens: Readonly<Record<string, string>>;
  /** STRATA_NATS_TOKEN: the NATS auth token of `[cluster]` (issue 21). */
  natsToken?: string;
}

/** Reads credentials from an environment; `isSetting` tells settings from token variables. */
export function readCredentials(
  env: Readonly<Record<string, string | undefined>>,
  isSetting: (name: string) => boolean,
): Credentials {
  const get = (k: string) => {
    const v = env[k]?.trim();
    return v ? v : undefined;
  };
  const workerTokens: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (
      name.startsWith("STRATA_") && name.endsWith("_TOKEN") && !isSetting(name) && value &&
      name !== "STRATA_NATS_TOKEN"
    ) {
      workerTokens[name] = value;
    }
  }
  return {
    infisical: {
      clientId: get("INFISICAL_CLIENT_ID"),
      clientSecret: get("INFISICAL_CLIENT_SECRET"),
      token: get("INFISICAL_TOKEN"),
      host: get("INFISICAL_HOST"),
    },
    aws: {
      accessKeyId: get("AWS_ACCESS_KEY_ID"),
      secretAccessKey: get("AWS_SECRET_ACCESS_KEY"),
      sessionToken: get("AWS_SESSION_TOKEN"),
      region: get("AWS_REGION"),
    },
    azure: {
      connectionString: get("AZURE_STORAGE_CONNECTION_STRING"),
      accountName: get("AZURE_STORAGE_ACCOUNT"),
      accountKey: get("AZURE_STORAGE_KEY"),
    },
    gcp: { keyFile: get("GOOGLE_APPLICATION_CREDENTIALS") },
    workerTokens,
    natsToken: get("STRATA_NATS_TOKEN"),
  };
}

/** True when Infisical credentials are configured (so the server may reach Infisical). */
export function hasInfisicalCredentials(c: InfisicalCredentials): boolean {
  return Boolean((c.clientId && c.clientSecret) || c.token);
}
