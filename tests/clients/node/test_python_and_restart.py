#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""placeholder"""
import nodeclients
nodeclients.run([])
