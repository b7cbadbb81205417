// Lint, the first stage of `npm test`: typescript-eslint's type-aware recommended rules over every TypeScript and
// JavaScript file, no explicit `any`, type-only imports marked as such, no import cycle, and on product code (what
// deploys, the tools, the scripts and the page) no function over 60 lines, blank lines and comments not counted.
import js from "@eslint/js";
import importX from "eslint-plugin-import-x";
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
    settings: { "import-x/resolver": { node: { extensions: [".ts", ".mjs", ".js"] } } },
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "import-x/no-cycle": ["error", { ignoreExternal: true }],
    },
  },
  {
    files: PRODUCT_CODE,
    rules: { "max-lines-per-function": ["error", { max: 60, skipBlankLines: true, skipComments: true }] },
  },
);
