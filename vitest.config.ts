import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: keep worker count at the core count so multi-process tests keep their CPU.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    pool: "forks",
    reporters: ["default"]
  }
})
