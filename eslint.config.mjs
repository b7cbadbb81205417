// Lint, the first stage of `npm test`: typescript-eslint's type-aware recommended rules over every TypeScript and
// JavaScript file, no explicit `any`, type-only imports marked as such, no import cycle, and on product code (what
// deploys, the tools, the scripts and the page) no function over 60 lines, blank lines and comments not counted.
import js from "@eslint/js";
import importX, { createNodeResolver } from "eslint-plugin-import-x";
import tseslint from "typescript-eslint";

const PRODUCT_CODE = ["shared/**", "functions/src/**", "tools/**", "scripts/**", "web/src/**"];

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
      // tsc checks every name (checkJs covers the .mjs scripts); ESLint's copy of the check knows no Node or DOM globals.
      "no-undef": "off",
    },
  },
  {
    files: PRODUCT_CODE,
    rules: { "max-lines-per-function": ["error", { max: 60, skipBlankLines: true, skipComments: true }] },
  },
);
