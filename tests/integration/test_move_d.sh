#!/usr/bin/env bash
# test_move.sh with lab host D as the target: Debian testing's engines
# (Docker 28 with its graph driver, Podman 5), and the moves between B and D.
exec bash "$(dirname "$0")/test_move.sh" d
