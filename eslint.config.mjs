// Lint, the first stage of `npm test`: typescript-eslint's type-aware recommended rules over every TypeScript and
// JavaScript file, no explicit `any`, type-only imports marked as such, no import cycle, and on product code (what
// deploys, the tools, the scripts and the page) no function over 60 lines, blank lines and comments not counted.
import js from "@eslint/js";
import importX, { createNodeResolver } from "eslint-plugin-import-x";
import tseslint from "typescript-eslint";

const PRODUCT_CODE = ["shared/**", "functions/src/**", "local/**", "tools/**", "scripts/**", "web/src/**"];

export default tseslint.config(
  {
    ignores: ["**/node_modules/**", "functions/lib/**", "web/dist/**", ".runs/**", "coverage/**", ".emulator-launcher/**", "docs/**"],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ["*.mjs", "*.ts"] }, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { "import-x": importX },
    settings: {
      ...importX.flatConfigs.typescript.settings,
      "import-x/resolver": undefined,
      "import-x/resolver-next": [createNodeResolver({ extensions: [".ts", ".mjs", ".js", ".cjs"] })],
    },
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "import-x/no-cycle": ["error", { ignoreExternal: true }],
      // `_name` marks what a signature or a destructuring must name but does not use.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true }],
      // The functions require firebase-functions' providers when first served, not at load: a trigger's cold start
      // would otherwise load the https and tasks providers (and firebase-admin/auth) it never uses.
      "@typescript-eslint/no-require-imports": ["error", { allow: ["^firebase-functions/v2/(https|tasks)$"] }],
      // tsc checks every name (checkJs covers the .mjs scripts); ESLint's copy of the check knows no Node or DOM globals.
      "no-undef": "off",
    },
  },
  {
    // CommonJS by nature: the bare functions and trigger the hop benchmark compares against.
    files: ["**/*.cjs", "bench/bare-functions/**"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    files: PRODUCT_CODE,
    rules: { "max-lines-per-function": ["error", { max: 60, skipBlankLines: true, skipComments: true }] },
  },
);
