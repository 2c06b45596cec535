// Flat config: typescript-eslint for correctness, @effect/eslint-plugin's dprint rule for the house format.
import js from "@eslint/js"
import effect from "@effect/eslint-plugin"
import tseslint from "typescript-eslint"

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "coverage/**", ".tmp/**"] },
  js.configs.recommended,
  { files: ["**/*.{js,mjs}"], languageOptions: { globals: { process: "readonly", console: "readonly" } } },
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    plugins: { "@effect": effect },
    rules: {
      "@effect/dprint": ["error", {
        config: {
          indentWidth: 2,
          lineWidth: 120,
          semiColons: "asi",
          quoteStyle: "alwaysDouble",
          trailingCommas: "never",
          operatorPosition: "maintain",
          "arrowFunction.useParentheses": "force"
        }
      }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "no-restricted-syntax": ["error", {
        selector: "CallExpression[callee.object.name=/^(it|test|describe)$/][callee.property.name=/^(only|skip|todo)$/]",
        message: "No focused, skipped or todo tests: every test runs in CI."
      }]
    }
  },
  {
    files: ["src/sim/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [{
          group: ["**/avi/**", "**/k8s/**", "**/model/**", "**/reconcile/**", "**/election/**", "**/app/**", "**/config/**"],
          message: "The simulators stay independent of the controller (DESIGN.md)."
        }]
      }]
    }
  },
  {
    files: ["src/model/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [{
          group: ["@kubernetes/*", "@effect/platform*", "node:*", "**/avi/**", "**/k8s/**", "**/reconcile/**", "**/election/**", "**/app/**", "**/sim/**"],
          message: "src/model is pure: no I/O, only config types (DESIGN.md)."
        }]
      }]
    }
  }
)
