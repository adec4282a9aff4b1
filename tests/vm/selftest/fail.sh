#!/bin/bash
# Harness self-check: must be reported as failed (exit status 1).
echo "failing on purpose"
exit 1
