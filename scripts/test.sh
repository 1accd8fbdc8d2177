#!/usr/bin/env bash
# Runs every test of the project on a fresh machine of this kind: builds once, then runs the Swift
# test suite (which includes every policy test case) and the policy test cases through the CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
swift test --skip-build
.build/debug/kuajing policies check
.build/debug/kuajing policies test
