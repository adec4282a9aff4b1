#!/bin/bash
# Harness self-check: never finishes; must be reported as timed out.
sleep 100000
