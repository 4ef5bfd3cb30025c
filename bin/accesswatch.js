#!/usr/bin/env -S node --max-semi-space-size=128
import '../dist/api/main.js';
