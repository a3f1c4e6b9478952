// ESLint for the whole kit (run by `npm run lint`, part of `npm test`).
//
// typescript-eslint needs the TypeScript compiler's JavaScript API, which TypeScript 7 (the kit's
// strict check, `typescript-7`) does not ship: "typescript" here is TypeScript 6's API package.
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      "dist/",
      "artifacts/",
      "data/cache/",
      "report/quick/",
      "report/html/",
      "docs/api/",
      "scratch/",
      "wasm/assembly/",
      "jupyter/kernels/*/plotly.min.js", // a link to node_modules' plotly.js, served to figures by Jupyter
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // `_unused` marks a deliberately ignored binding (destructuring, stub parameters).
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" },
      ],
      // CommonJS: the kit loads some modules lazily (tslab's internals, optional packages).
      "@typescript-eslint/no-require-imports": "off",
    },
  },
  {
    files: ["**/*.js", "**/*.cjs"],
    languageOptions: { sourceType: "commonjs" },
  },
  {
    // The library is strict TypeScript: no `any` at all.
    files: ["lib/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "error" },
  },
  {
    files: ["test/**/*.ts"],
    languageOptions: { globals: { ...globals.mocha } },
    // chai's property assertions (`expect(x).to.be.true`) are expressions.
    rules: { "@typescript-eslint/no-unused-expressions": "off" },
  },
);
