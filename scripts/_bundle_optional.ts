// Part of the single-file build: the optional packages (lib/optional_import.ts) bundled in and
// registered before main.ts runs, since a bundle has no import map for a lazy import to use.
import * as s3 from "@aws-sdk/client-s3";
import * as infisical from "@infisical/sdk";
import postgres from "postgres";
import { provideOptional } from "../lib/optional_import.ts";

provideOptional("@aws-sdk/client-s3", s3);
provideOptional("@infisical/sdk", infisical);
provideOptional("postgres", { default: postgres });
