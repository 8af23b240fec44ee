// Entry of the single-file build (scripts/build.ts): the optional packages first, then main.ts.
import "./_bundle_optional.ts";
import "../main.ts";
